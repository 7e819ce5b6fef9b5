import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { buildAll } from '../../monitoring/build';
import { RECEIVER_KINDS } from '../../monitoring/stack/alertmanager';

const ROOT = path.resolve(__dirname, '../..');

describe('generated monitoring files', () => {
  test.each([...buildAll().keys()])('%s matches a fresh `npm run build:monitoring`', (rel) => {
    expect(readFileSync(path.join(ROOT, rel), 'utf8')).toBe(buildAll().get(rel));
  });

  const prometheusFiles = [...buildAll().keys()].filter((rel) => /^prometheus\/prometheus[\w-]*\.yml$/.test(rel));

  test('the Prometheus configs: single, demo and the two HA replicas', () => {
    expect(prometheusFiles.sort()).toEqual([
      'prometheus/prometheus-demo.yml',
      'prometheus/prometheus-ha-a.yml',
      'prometheus/prometheus-ha-b.yml',
      'prometheus/prometheus.yml',
    ]);
  });

  test.each(prometheusFiles)('promtool check config accepts %s', (rel) => {
    const res = spawnSync('promtool', ['check', 'config', '--syntax-only', path.join(ROOT, rel)], {
      encoding: 'utf8',
    });
    expect(`${res.stdout}${res.stderr}`).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  const compose = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, GRAFANA_ADMIN_PASSWORD: 'test-only' };
    delete env.REDIS_URL;
    delete env.DATABASE_URL;
    return spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.monitoring.yml'), ...args], {
      encoding: 'utf8',
      env,
      cwd: ROOT,
    });
  };

  test('docker-compose.monitoring.yml is valid for Debian docker-compose; the demo env file turns the demo profile on', () => {
    const res = compose('--env-file', 'demo/demo.env', 'config', '--services');
    expect(res.stderr).not.toMatch(/ERROR|invalid/i);
    expect(res.stdout.trim().split('\n').sort()).toEqual([
      'alert-inbox',
      'alertmanager',
      'alertmanager-2',
      'alertmanager-3',
      'api',
      'demo-workload',
      'exporter',
      'grafana',
      'postgres',
      'prometheus',
      'prometheus-b',
      'redis',
    ]);
  });

  test('compose: demo URLs only with the demo env file; host read-only; receiver and external URLs from settings', () => {
    type Service = {
      environment: Record<string, string>;
      volumes?: (string | { source: string; target: string; read_only?: boolean })[];
      command?: string[];
    };
    const services = (res: { stdout: string }) => (parse(res.stdout) as { services: Record<string, Service> }).services;
    const plain = services(compose('config'));
    expect(plain.exporter.environment.REDIS_URL ?? '').toBe('');
    expect(plain.exporter.environment.DATABASE_URL ?? '').toBe('');
    const demo = services(compose('--env-file', 'demo/demo.env', 'config'));
    expect(demo.exporter.environment).toMatchObject({
      REDIS_URL: 'redis://redis:6379',
      DATABASE_URL: 'postgres://postgres:demo@postgres:5432/postgres',
    });
    // Only the demo's Prometheus looks up the demo API's DNS name.
    expect(plain.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(demo.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus-demo.yml');
    // The host's /proc, /sys and / read-only (node_exporter's convention), and the exporter told where they are.
    const mounts = (plain.exporter.volumes ?? []).map((v) => {
      if (typeof v !== 'string') return `${v.source}:${v.target}:${v.read_only ? 'ro' : 'rw'}`;
      const [source, target, options = 'rw'] = v.split(':');
      return `${source}:${target}:${options.split(',').includes('ro') ? 'ro' : 'rw'}`;
    });
    expect(mounts).toEqual(['/proc:/host/proc:ro', '/sys:/host/sys:ro', '/:/host/root:ro']);
    expect(plain.exporter.environment).toMatchObject({
      JOBSTACK_PATH_PROCFS: '/host/proc',
      JOBSTACK_PATH_SYSFS: '/host/sys',
      JOBSTACK_PATH_ROOTFS: '/host/root',
    });
    expect(plain.alertmanager.command).toContain('--config.file=/etc/alertmanager/alertmanager-inbox.yml');
    const chosen = spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.monitoring.yml'), 'config'], {
      encoding: 'utf8',
      cwd: ROOT,
      env: {
        ...process.env,
        GRAFANA_ADMIN_PASSWORD: 'x',
        ALERT_RECEIVER: 'slack',
        ALERTMANAGER_EXTERNAL_URL: 'https://am.example.com',
      },
    });
    const am = services(chosen).alertmanager;
    expect(am.command).toEqual(
      expect.arrayContaining([
        '--config.file=/etc/alertmanager/alertmanager-slack.yml',
        '--web.external-url=https://am.example.com',
      ]),
    );
    for (const kind of RECEIVER_KINDS)
      expect(existsSync(path.join(ROOT, `alertmanager/alertmanager-${kind}.yml`))).toBe(true);
  });
});
