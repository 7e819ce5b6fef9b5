/**
 * The app collector against real HTTP servers: a live app serving a contract-conforming snapshot,
 * one that is down, one that hangs, one answering garbage, one answering 50 MB, one with another
 * snapshot version, and one behind basic auth. Each bad one is app_up 0 within the deadline and
 * touches nothing else.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AppCollector } from '../../../src/collectors/app/collector';
import { appMetrics as m } from '../../../src/collectors/app/metrics';
import { parseSnapshot, recentFigures } from '../../../src/collectors/app/snapshot';
import { HostCollector } from '../../../src/collectors/host/collector';
import { parseArgs } from '../../../src/config/args';
import { ConfigError } from '../../../src/config/errors';
import { loadConfig } from '../../../src/config/load';
import { redactedConfigYaml } from '../../../src/config/redacted';
import { configSchema } from '../../../src/config/schema';
import { SNAPSHOT_LIMITS } from '../../../src/instrument/snapshot';
import { createLogger } from '../../../src/log/logger';
import { clearSecrets } from '../../../src/log/redact';
import { selfMetrics } from '../../../src/metrics/self';
import { ScrapeRunner, type Collection } from '../../../src/runner/runner';
import { sampleSnapshot } from '../../fixtures/app-snapshot';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { freePort, tempDir } from '../../harness/process';
import { renderBatch } from '../../harness/collect';

const AUTH = { user: 'scraper', password: 'app-Snap-Pass-5521' };
const FIFTY_MB = 50 * 1024 * 1024;
const tmp = tempDir('app-targets');
const hanging = new Set<http.ServerResponse>();
/** How the 50 MB answer ended: 'finished' only if the exporter read it all. */
const bigAnswers: string[] = [];

const handler: http.RequestListener = (req, res) => {
  const route = req.url ?? '/';
  const json = (body: unknown) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  if (route === '/live') json(sampleSnapshot());
  else if (route === '/hang') hanging.add(res);
  else if (route === '/headers-then-hang') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"version":1,');
    hanging.add(res);
  } else if (route === '/garbage') res.end('<html>502 Bad Gateway</html>\u0000\u00ff');
  else if (route === '/wrong-shape')
    json({ ...sampleSnapshot(), routes: [{ method: 'GET', route: 'x'.repeat(5000) }] });
  else if (route === '/v2') json({ ...sampleSnapshot(), version: 2 });
  else if (route === '/error') {
    res.statusCode = 500;
    res.end('{}');
  } else if (route === '/huge' || route === '/huge-declared') {
    // 50 MB of valid-looking JSON, streamed; written as fast as the exporter reads.
    if (route === '/huge-declared') res.setHeader('content-length', String(FIFTY_MB));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    res.on('close', () => bigAnswers.push(sent >= FIFTY_MB ? 'finished' : `cut after ${sent} bytes`));
    const pump = () => {
      while (sent < FIFTY_MB) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  } else if (route === '/auth') {
    const expected = `Basic ${Buffer.from(`${AUTH.user}:${AUTH.password}`).toString('base64')}`;
    if (req.headers.authorization === expected) json(sampleSnapshot(Date.now(), 'private-api'));
    else {
      res.statusCode = 401;
      res.end();
    }
  } else {
    res.statusCode = 404;
    res.end();
  }
};

let server: http.Server;
let base = '';
const logLines: string[] = [];
const log = createLogger('debug', (l) => logLines.push(l));

beforeAll(async () => {
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  tmp.remove();
  clearSecrets();
});

function collector(section: Record<string, unknown>): AppCollector {
  return new AppCollector(configSchema.parse({ collectors: { app: section } }).collectors.app);
}

async function collect(c: AppCollector, budgetMs = 2000): Promise<{ collection: Collection; elapsedMs: number }> {
  const host = new HostCollector(configSchema.parse({}).collectors.host);
  const runner = new ScrapeRunner(
    [
      { collector: c, timeoutMs: 5_000 },
      { collector: host, timeoutMs: 5_000 },
    ],
    log,
  );
  const started = Date.now();
  const collection = await runner.collect(budgetMs);
  return { collection, elapsedMs: Date.now() - started };
}

const text = renderBatch;

describe('app collector', () => {
  test('a live app: up, age, totals, the health-score figures; lint-clean exposition', async () => {
    const c = collector({ targets: [{ name: 'api', url: `${base}/live` }] });
    const { collection } = await collect(c);
    const o = collection.outcomes.find((x) => x.name === 'app')!;
    expect(o.success).toBe(true);
    const t = { target: 'api' };
    expect(o.batch.get(m.up, t)).toBe(1);
    expect(o.batch.get(m.snapshotAge, t)!).toBeGreaterThanOrEqual(0);
    expect(o.batch.get(m.snapshotAge, t)!).toBeLessThan(5);
    expect(o.batch.get(m.requests, t)).toBe(1250);
    expect(o.batch.get(m.errors, t)).toBe(25);
    expect(o.batch.get(m.activeRequests, t)).toBe(2);
    expect(o.batch.get(m.wsOpen, t)).toBe(3);
    expect(o.batch.get(m.info, { target: 'api', service: 'orders-api' })).toBe(1);
    // (300 * 0.01 + 100 * 0.1 + 5 * 0) / 405 requests; p95 of routes with >= 10 requests only.
    expect(o.batch.get(m.recentErrorRatio, t)).toBeCloseTo(13 / 405, 10);
    expect(o.batch.get(m.recentP95, t)).toBe(0.4);
    expect(c.appReadings()).toEqual([
      expect.objectContaining({
        target: 'api',
        error: null,
        snapshot: expect.objectContaining({ service: 'orders-api' }),
      }),
    ]);
    expect(promtoolCheckMetrics(text(collection))).toBe('');
  });

  test('down, hanging, half an answer, garbage, wrong shape, other version, HTTP 500, 50 MB: app_up 0 within the deadline, the live app and the host unaffected', async () => {
    bigAnswers.length = 0;
    const bad = ['down', 'hang', 'headers_then_hang', 'garbage', 'wrong_shape', 'v2', 'error', 'huge', 'huge_declared'];
    const url: Record<string, string> = {
      down: `http://127.0.0.1:${await freePort()}/_jobstack`,
      hang: `${base}/hang`,
      headers_then_hang: `${base}/headers-then-hang`,
      garbage: `${base}/garbage`,
      wrong_shape: `${base}/wrong-shape`,
      v2: `${base}/v2`,
      error: `${base}/error`,
      huge: `${base}/huge`,
      huge_declared: `${base}/huge-declared`,
    };
    const c = collector({
      targets: [{ name: 'live', url: `${base}/live` }, ...bad.map((name) => ({ name, url: url[name] }))],
    });
    logLines.length = 0;
    const budgetMs = 1500;
    const { collection, elapsedMs } = await collect(c, budgetMs);
    expect(elapsedMs).toBeLessThan(budgetMs + 500);
    const app = collection.outcomes.find((x) => x.name === 'app')!;
    expect(app.success).toBe(true);
    expect(collection.outcomes.find((x) => x.name === 'host')!.success).toBe(true);
    expect(app.batch.get(m.up, { target: 'live' })).toBe(1);
    for (const name of bad) {
      expect({ name, up: app.batch.get(m.up, { target: name }) }).toEqual({ name, up: 0 });
      // Nothing but up and the fetch time for a target that failed.
      expect(app.batch.get(m.requests, { target: name })).toBeUndefined();
    }
    const reasons = Object.fromEntries(c.appReadings().map((r) => [r.target, r.error]));
    expect(reasons).toMatchObject({
      live: null,
      down: 'ECONNREFUSED',
      hang: expect.stringMatching(/no complete answer within/),
      headers_then_hang: expect.stringMatching(/no complete answer within/),
      garbage: 'answer is not JSON',
      wrong_shape: expect.stringMatching(/at routes\.0\.route/),
      v2: 'snapshot version 2 is not supported (expected 1)',
      error: 'HTTP 500',
      huge: `answer larger than ${SNAPSHOT_LIMITS.bytes} bytes`,
      huge_declared: `answer larger than ${SNAPSHOT_LIMITS.bytes} bytes`,
    });
    // The exporter stopped reading: neither 50 MB answer was sent in full.
    await new Promise((r) => setTimeout(r, 100));
    expect(bigAnswers).toHaveLength(2);
    expect(bigAnswers.every((b) => b.startsWith('cut after'))).toBe(true);
    expect(promtoolCheckMetrics(text(collection))).toBe('');
  });

  test('a hanging app with no timeout of its own is cut at the scrape deadline, not the collector timeout', async () => {
    const c = collector({ timeout: '30s', targets: [{ name: 'hang', url: `${base}/hang` }] });
    const { collection, elapsedMs } = await collect(c, 400);
    expect(elapsedMs).toBeLessThan(1000);
    const app = collection.outcomes.find((x) => x.name === 'app')!;
    expect(app.success).toBe(true);
    expect(app.batch.get(m.up, { target: 'hang' })).toBe(0);
    expect(app.batch.get(selfMetrics.collectorSuccess, { collector: 'app' })).toBe(1);
  });

  test('basic-auth credentials in the URL are sent and never shown: metrics, logs, errors, effective config', async () => {
    const withAuth = base.replace('http://', `http://${AUTH.user}:${AUTH.password}@`);
    const refused = `http://${AUTH.user}:${AUTH.password}@127.0.0.1:${await freePort()}/`;
    const { config } = loadConfig(parseArgs([]), { APP_TARGETS: `private=${withAuth}/auth,gone=${refused}` });
    const c = new AppCollector(config.collectors.app);
    logLines.length = 0;
    const { collection } = await collect(c);
    const app = collection.outcomes.find((x) => x.name === 'app')!;
    expect(app.batch.get(m.up, { target: 'private' })).toBe(1);
    expect(app.batch.get(m.info, { target: 'private', service: 'private-api' })).toBe(1);
    expect(app.batch.get(m.up, { target: 'gone' })).toBe(0);
    const outputs = [text(collection), ...logLines, JSON.stringify(c.appReadings()), redactedConfigYaml(config)];
    for (const out of outputs) expect(out).not.toContain(AUTH.password);
    expect(redactedConfigYaml(config)).toContain(`${AUTH.user}:***@`);
  });

  test('config: APP_TARGETS, APP_TARGETS_FILE (one per line), YAML; bad targets stop startup naming the field', () => {
    const fromEnv = loadConfig(parseArgs([]), {
      APP_TARGETS: 'api=http://api:3000/_jobstack, admin=https://admin:8443/_jobstack',
    }).config;
    expect(fromEnv.collectors.app.targets.map((t) => [t.name, t.url])).toEqual([
      ['api', 'http://api:3000/_jobstack'],
      ['admin', 'https://admin:8443/_jobstack'],
    ]);
    const file = path.join(tmp.dir, 'targets');
    writeFileSync(
      file,
      '# instrumented apps\napi=http://api:3000/_jobstack\n\nworker-api=http://worker:3001/_jobstack\n',
    );
    const fromFile = loadConfig(parseArgs([]), { APP_TARGETS_FILE: file }).config;
    expect(fromFile.collectors.app.targets.map((t) => t.name)).toEqual(['api', 'worker-api']);
    const yamlFile = path.join(tmp.dir, 'config.yml');
    writeFileSync(
      yamlFile,
      'collectors:\n  app:\n    timeout: 2s\n    targets:\n      - { name: api, url: "http://api:3000/_jobstack", timeout: 500ms }\n      - "web=http://web:3000/_jobstack"\n',
    );
    const fromYaml = loadConfig(parseArgs(['--config', yamlFile]), {}).config;
    expect(fromYaml.collectors.app).toMatchObject({
      timeout: 2000,
      targets: [{ name: 'api', timeout: 500 }, { name: 'web' }],
    });

    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(parseArgs([]), env);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
        throw err;
      }
      return '';
    };
    expect(problems({ APP_TARGETS: 'a=http://x/,a=http://y/' })).toMatch(
      /collectors\.app\.targets\.1\.name: duplicate target name "a"/,
    );
    expect(problems({ APP_TARGETS: 'http://x/no-name' })).toMatch(/collectors\.app\.targets\.0\.name/);
    expect(problems({ APP_TARGETS: 'x=redis://secret-pw@host/' })).toMatch(
      /^collectors\.app\.targets\.0\.url: scheme must be http or https, not redis \(from env APP_TARGETS\)$/m,
    );
    expect(problems({ APP_TARGETS: 'x=redis://secret-pw@host/' })).not.toContain('secret-pw');
    expect(problems({ APP_TARGETS: 'a=http://x/', APP_TARGETS_FILE: file })).toMatch(
      /APP_TARGETS and APP_TARGETS_FILE are both set/,
    );
    expect(problems({ APP_TARGETS_FILE: path.join(tmp.dir, 'missing') })).toMatch(
      /APP_TARGETS_FILE: cannot read .* \(ENOENT\)/,
    );
  });
});

describe('snapshot checks (pure)', () => {
  test.each([
    [
      'a list over its limit',
      {
        ...sampleSnapshot(),
        slowRequests: Array.from({ length: SNAPSHOT_LIMITS.requests + 1 }, () => sampleSnapshot().slowRequests[0]),
      },
      /at slowRequests: Array must contain at most 1000/,
    ],
    ['a string over its limit', { ...sampleSnapshot(), service: 'x'.repeat(SNAPSHOT_LIMITS.string + 1) }, /at service/],
    [
      'a negative counter',
      { ...sampleSnapshot(), requests: { ...sampleSnapshot().requests, total: -1 } },
      /at requests\.total/,
    ],
    [
      'an error ratio above 1',
      {
        ...sampleSnapshot(),
        routes: [{ ...sampleSnapshot().routes[0], recent: { ...sampleSnapshot().routes[0].recent, errorRatio: 2 } }],
      },
      /at routes\.0\.recent\.errorRatio/,
    ],
    ['no version', { ...sampleSnapshot(), version: undefined }, /at version/],
    ['an array', [], /at \(top level\)/],
  ])('refuses %s', (_what, body, problem) => {
    const checked = parseSnapshot(JSON.stringify(body));
    expect('problem' in checked && checked.problem).toMatch(problem);
  });

  test('recent figures: no requests in the window means no ratio and no p95', () => {
    const s = sampleSnapshot();
    const idle = {
      ...s,
      routes: s.routes.map((r) => ({
        ...r,
        recent: { ...r.recent, requests: 0, errorRatio: null, p95Seconds: null, p50Seconds: null },
      })),
    };
    expect(recentFigures(idle)).toEqual({ errorRatio: null, p95Seconds: null });
  });
});
