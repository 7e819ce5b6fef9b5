/**
 * The API section of /dashboard/data, the `api` component of /health/detailed and the API
 * penalties of the health score, from a running exporter reading two real HTTP apps serving
 * contract-conforming snapshots (one healthy, one erring and slow) and one that is down.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DashboardData } from '../../src/dashboard/types';
import type { HealthReport } from '../../src/health/types';
import { HEALTH_PENALTIES as P } from '../../src/health/penalties';
import { sampleSnapshot } from '../fixtures/app-snapshot';
import { promtoolCheckMetrics, startExporter, type ExporterProcess } from '../harness/exporter';
import { freePort } from '../harness/process';

jest.setTimeout(60_000);
const OUT = path.resolve(__dirname, '../../test-output');

const PASSWORD = 'api-snapshot-Secret-42';
let server: http.Server;
let exporter: ExporterProcess;

/** An app whose POST /orders fails 40% of the time and takes 2.5 s at p95. */
function troubledSnapshot() {
  const s = sampleSnapshot(Date.now(), 'billing-api');
  return {
    ...s,
    routes: s.routes.map((r) =>
      r.route === '/orders' ? { ...r, recent: { ...r.recent, errorRatio: 0.4, p95Seconds: 2.5 } } : r,
    ),
  };
}

/** Markup where the page must show text. */
const XSS = '<img src=x onerror="window.__xss=1">';
function hostileSnapshot() {
  const s = sampleSnapshot(Date.now(), XSS);
  return {
    ...s,
    routes: [{ ...s.routes[0], route: XSS }],
    slowRequests: [{ ...s.slowRequests[0], correlationId: `<script>window.__xss=2</script>` }],
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/healthy') res.end(JSON.stringify(sampleSnapshot()));
    else if (req.url === '/troubled') res.end(JSON.stringify(troubledSnapshot()));
    else if (req.url === '/hostile') res.end(JSON.stringify(hostileSnapshot()));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const targets = [
    `orders=http://u:${PASSWORD}@${base.slice(7)}/healthy`,
    `billing=${base}/troubled`,
    `gone=http://127.0.0.1:${await freePort()}/_jobstack`,
    `hostile=${base}/hostile`,
  ];
  exporter = await startExporter(['--no-collector.host'], { APP_TARGETS: targets.join(',') });
});

afterAll(async () => {
  await exporter?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const get = async (p: string) => {
  const res = await fetch(`${exporter.url}${p}`);
  return { status: res.status, text: await res.text() };
};

test('/dashboard/data api[]: routes, slow requests, errors and WebSocket events per app; the down one with its reason', async () => {
  const d = JSON.parse((await get('/dashboard/data')).text) as DashboardData;
  const byTarget = Object.fromEntries(d.api.map((a) => [a.target, a]));
  expect(Object.keys(byTarget).sort()).toEqual(['billing', 'gone', 'hostile', 'orders']);
  const orders = byTarget.orders;
  expect(orders).toMatchObject({
    up: true,
    error: null,
    service: 'orders-api',
    windowSeconds: 300,
    requests: { active: 2, total: 1250, errors: 25 },
  });
  expect(orders.routes.map((r) => `${r.method} ${r.route}`)).toEqual([
    'GET /orders/:id',
    'POST /orders',
    'GET /reports/:id',
  ]);
  expect(orders.routes[0]).toEqual({
    method: 'GET',
    route: '/orders/:id',
    requestsPerSecond: 1,
    errorRatio: 0.01,
    p50Seconds: 0.02,
    p95Seconds: 0.08,
    total: 1000,
    totalErrors: 5,
  });
  expect(orders.slowRequests[0]).toMatchObject({
    route: '/reports/:id',
    correlationId: 'req-slow-1',
    durationSeconds: 1.8,
    at: expect.stringMatching(/^\d{4}-/),
  });
  expect(orders.recentErrors[0]).toMatchObject({ status: 503, correlationId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  expect(orders.websockets).toMatchObject({
    open: 3,
    opened: 10,
    closed: 7,
    recentEvents: [
      { type: 'open', code: null },
      { type: 'close', code: 1006 },
      { type: 'error', detail: 'read ECONNRESET' },
    ],
  });
  expect(byTarget.gone).toMatchObject({ up: false, error: 'ECONNREFUSED', routes: [], websockets: null });
  expect(byTarget.billing).toMatchObject({ up: true, p95Seconds: 2.5 });
  expect(byTarget.billing.errorRatio).toBeCloseTo((300 * 0.01 + 100 * 0.4) / 405, 10);
});

test('health: the api component is degraded naming the unreadable app; the score carries both API penalties', async () => {
  const res = await get('/health/detailed');
  const report = JSON.parse(res.text) as HealthReport & { score: number; reasons: string[] };
  expect(report.components.find((c) => c.name === 'api')).toMatchObject({
    status: 'degraded',
    error: 'snapshot unreadable: gone',
  });
  expect(report.reasons).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^-15: API 5xx above 5%: billing 10\.6%$/),
      expect.stringMatching(/^-10: API p95 above 1 s: billing 2\.50 s$/),
    ]),
  );
  expect(report.score).toBe(100 - P.apiErrorRatio.points - P.apiLatency.points);
});

test('README documents every field of api[]', async () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const keys = new Set<string>(['api']);
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, child] of Object.entries(v)) {
        keys.add(k);
        walk(child);
      }
  };
  walk((JSON.parse((await get('/dashboard/data')).text) as DashboardData).api);
  const documented = (k: string) => [`\`${k}\``, `\`${k}[]\``].some((form) => readme.includes(form));
  expect([...keys].filter((k) => !documented(k))).toEqual([]);
});

test('/metrics: app_* series lint-clean; the page has the API section; the password is nowhere', async () => {
  const metrics = (await get('/metrics')).text;
  expect(metrics).toMatch(/^app_up\{target="orders"\} 1$/m);
  expect(metrics).toMatch(/^app_up\{target="gone"\} 0$/m);
  expect(metrics).toMatch(/^app_snapshot_recent_p95_seconds\{target="billing"\} 2.5$/m);
  expect(promtoolCheckMetrics(metrics)).toBe('');
  const page = (await get('/dashboard')).text;
  expect(page).toContain('id="api"');
  for (const p of ['/metrics', '/dashboard/data', '/health/detailed', '/'])
    expect((await get(p)).text).not.toContain(PASSWORD);
  expect(exporter.child.log()).not.toContain(PASSWORD);
});

test('the page shows the API section: routes, correlation ids, the unreadable app; hostile names stay text', async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    await page.goto(`${exporter.url}/dashboard`);
    await page.waitForSelector('#api .app h3');
    const text = (await page.locator('#api').textContent()) ?? '';
    expect(text).toContain('GET /orders/:id');
    expect(text).toContain('req-slow-1');
    expect(text).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(text).toMatch(/gone: snapshot unreadable/);
    expect(text).toMatch(/WebSockets: 3 open/);
    expect(text).toContain(XSS);
    expect(await page.locator('#api img, #api script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(errors).toEqual([]);
    mkdirSync(OUT, { recursive: true });
    await page.locator('#api').screenshot({ path: path.join(OUT, 'dashboard-api.png') });
  } finally {
    await browser.close();
  }
});
