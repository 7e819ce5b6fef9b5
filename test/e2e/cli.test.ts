import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT,
  SHIPPED_ENV,
  SHIPPED_NODE_OPTIONS,
  promtoolCheckMetrics,
  runCli,
  startExporter,
  type ExporterProcess,
} from '../harness/exporter';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { tempDir, waitFor } from '../harness/process';

const tmp = tempDir('cli');
afterAll(() => tmp.remove());

test('npm start and the image run node with the same options (package.json config.nodeOptions), which the tests use', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    config: { nodeOptions: string; mallocArenaMax: string; mallocMmapThreshold: string };
    scripts: { start: string };
  };
  expect(pkg.scripts.start).toContain(
    'MALLOC_ARENA_MAX=$npm_package_config_mallocArenaMax MALLOC_MMAP_THRESHOLD_=$npm_package_config_mallocMmapThreshold node $npm_package_config_nodeOptions dist/cli.js',
  );
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain(
    `ENV NODE_OPTIONS="${pkg.config.nodeOptions}" MALLOC_ARENA_MAX="${SHIPPED_ENV.MALLOC_ARENA_MAX}" MALLOC_MMAP_THRESHOLD_="${SHIPPED_ENV.MALLOC_MMAP_THRESHOLD_}"`,
  );
  expect(SHIPPED_NODE_OPTIONS.join(' ')).toBe(pkg.config.nodeOptions);
  expect(SHIPPED_NODE_OPTIONS.length).toBeGreaterThan(0);
  expect(SHIPPED_ENV).toEqual({
    MALLOC_ARENA_MAX: pkg.config.mallocArenaMax,
    MALLOC_MMAP_THRESHOLD_: pkg.config.mallocMmapThreshold,
  });
});

describe('CLI one-shot modes', () => {
  test('--help and --version', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: jobstack-exporter/);
    expect(help.stdout).toContain('--no-collector.NAME');
    expect(help.stdout).toContain('REDIS_URL');
    // Within each section every description starts in the same column, however long a name is.
    for (const section of help.stdout.split(/\n(?=Flags:|Environment)/).slice(1)) {
      const rows = section.split('\n').filter((line) => /^ {2}\S/.test(line));
      const starts = new Set(rows.map((line) => /^ {2}\S.*?\S {2,}(?=\S)/.exec(line)?.[0].length));
      expect(rows.length).toBeGreaterThan(3);
      expect([...starts]).toHaveLength(1);
    }
    const version = runCli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^jobstack-exporter \d+\.\d+\.\d+ \(revision \S+, node v\d+/);
  });

  test('a wrong type, an unknown key and a malformed URL: exit 2 naming all three, no stack trace', () => {
    const file = path.join(tmp.dir, 'bad.yml');
    writeFileSync(file, 'logLevel: 5\nredis:\n  url: "redis//host:6379"\nsurprise: 1\n');
    const res = runCli(['--config', file]);
    expect(res.status).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(res.stderr).toMatch(/^config error: logLevel: /m);
    expect(res.stderr).toMatch(/^config error: redis\.url: not a valid URL/m);
    expect(res.stderr).toMatch(/^config error: surprise: unknown setting/m);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  test('--check-config prints the effective config with secrets redacted (exit 0) or fails with exit 2', () => {
    const ok = runCli(['--check-config'], {
      REDIS_URL: 'redis://u:topsecret-1@h:6379/1',
      DATABASE_URL: 'postgres://u:topsecret-2@h/db',
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('# configuration is valid');
    expect(ok.stdout).toContain('redis://u:***@h:6379/1');
    expect(ok.stdout + ok.stderr).not.toMatch(/topsecret/);
    const bad = runCli(['--check-config', '--bullmq.prefix='], {});
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bullmq\.prefix/);
  });
});

describe('zero-config server', () => {
  let exporter: ExporterProcess;
  beforeAll(async () => {
    exporter = await startExporter();
  });
  afterAll(() => exporter.stop());

  test('serves lint-clean host, process and self metrics', async () => {
    const text = await exporter.scrape();
    for (const name of [
      'host_cpu_seconds_total',
      'host_memory_available_bytes',
      'host_filesystem_avail_bytes',
      'process_resident_memory_bytes',
      'jobstack_exporter_build_info',
      'jobstack_exporter_collector_success{collector="host"} 1',
    ]) {
      expect(text).toContain(name);
    }
    expect(promtoolCheckMetrics(text)).toBe('');
  });

  test('/ and /health answer', async () => {
    expect((await fetch(`${exporter.url}/health`)).status).toBe(200);
    const landing = await (await fetch(`${exporter.url}/`)).text();
    expect(landing).toContain('<td>host</td>');
  });

  test('logs are one JSON object per line', () => {
    const lines = exporter.child.log().trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), msg: expect.any(String) });
  });
});

test('SIGTERM stops the server cleanly within a few seconds', async () => {
  const exporter = await startExporter();
  await exporter.scrape();
  const started = Date.now();
  exporter.child.signal('SIGTERM');
  expect(await exporter.child.exited).toBe(0);
  expect(Date.now() - started).toBeLessThan(4500);
  expect(exporter.child.log()).toContain('"msg":"stopped"');
});

describe('a real Prometheus scrapes the exporter', () => {
  let exporter: ExporterProcess;
  let prom: PromServer;
  beforeAll(async () => {
    exporter = await startExporter();
    const target = new URL(exporter.url).host;
    prom = await startPrometheus(
      `global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n  - job_name: jobstack\n    static_configs: [{targets: ['${target}']}]\n`,
    );
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    await exporter?.stop();
  });

  test('target is up and its series are queryable (OpenMetrics negotiated by Prometheus)', async () => {
    await waitFor(
      'first scrape',
      async () => (await prom.query('up{job="jobstack"}')).some((r) => r.value[1] === '1'),
      30_000,
      500,
    );
    const info = await prom.query('jobstack_exporter_build_info');
    expect(info[0]?.metric.version).toMatch(/^\d+\.\d+\.\d+$/);
    const cpu = await prom.query('host_cpu_seconds_total{mode="idle"}');
    expect(cpu.length).toBeGreaterThan(0);
    const success = await prom.query('jobstack_exporter_collector_success{collector="host"}');
    expect(success[0]?.value[1]).toBe('1');
  });
});
