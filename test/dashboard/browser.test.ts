/**
 * The built-in dashboard in Debian's headless Chromium (playwright-core): loads without console
 * errors or outside requests, shows every section, refreshes (a job added appears), shows the
 * outage when Redis stops, works by keyboard and at phone width, and lists a real Alertmanager's
 * firing alerts (critical first) and silences. Screenshots go to test-output/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { alertmanagerConfig } from '../../monitoring/stack/alertmanager';
import { silenceAlert, startAlertmanager, type AlertmanagerServer } from '../harness/alertmanager';
import { startExporter, type ExporterProcess } from '../harness/exporter';
import { freePort, tempDir } from '../harness/process';
import { startRedis, type RedisServer } from '../harness/redis';
import { expectOutages } from '../harness/quiet';

jest.setTimeout(120_000);

const OUT = path.resolve(__dirname, '../../test-output');
const tmp = tempDir('browser');
let redis: RedisServer;
let exporter: ExporterProcess;
let browser: Browser;
let page: Page;
const queues: Queue[] = [];
let worker: Worker;
const consoleErrors: string[] = [];
const requests: string[] = [];
let bytes = 0;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  redis = await startRedis();
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  // Redis is stopped on purpose below: the queues' connection errors are expected.
  const images = expectOutages(new Queue('images', { connection }));
  const emails = expectOutages(new Queue('emails', { connection }));
  queues.push(images, emails);
  worker = expectOutages(
    new Worker(
      'images',
      async (job) => {
        if (job.data.n === 3) throw new Error('corrupt upload');
      },
      { connection },
    ),
  );
  await emails.addBulk([1, 2].map((n) => ({ name: 'send', data: { n } })));
  await images.addBulk([1, 2, 3, 4].map((n) => ({ name: 'resize', data: { n } })));
  const config = path.join(tmp.dir, 'config.yml');
  // Fresh data on every refresh here: the test has no Prometheus scraping in between.
  writeFileSync(config, 'dashboard:\n  maxAge: 500ms\n');
  // An Alertmanager address nobody listens on: the alerts section must say so and nothing else suffer.
  exporter = await startExporter(['--config', config], {
    REDIS_URL: redis.url,
    STORAGE_PATH: tmp.dir,
    ALERTMANAGER_URL: `http://127.0.0.1:${await freePort()}`,
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (msg) => msg.type() === 'error' && consoleErrors.push(msg.text()));
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  page.on('request', (req) => requests.push(req.url()));
  page.on('response', async (res) => {
    bytes += (await res.body().catch(() => Buffer.alloc(0))).length;
  });
});

afterAll(async () => {
  await browser?.close();
  if (redis && !redis.child.running) redis = await startRedis({ port: redis.port });
  await Promise.allSettled([worker?.close(true), ...queues.map((q) => q.close())]);
  await exporter?.stop();
  await redis?.stop();
  tmp.remove();
});

const backlogOf = async (queue: string) =>
  page.locator(`#queue-table tr[data-queue="${queue}"] td`).nth(1).textContent();

test('loads with every section, no console errors, no outside requests', async () => {
  await page.goto(`${exporter.url}/dashboard`);
  await page.waitForSelector('#queue-table tr[data-queue="emails"]');
  for (const id of [
    'status',
    'alerts',
    'queues',
    'failures',
    'redis',
    'database',
    'storage',
    'host',
    'configuration',
  ]) {
    expect(await page.locator(`#${id}`).isVisible()).toBe(true);
  }
  expect(await page.locator('#score').textContent()).toMatch(/^\d+$/);
  expect(await page.locator('#alert-list').textContent()).toContain('Alertmanager unreachable');
  expect(await page.locator('#redis dl').textContent()).toMatch(/version/);
  expect(await page.locator('#host dl').textContent()).toMatch(/memory/);
  expect(await page.locator('#config').textContent()).toContain('"prefix": "bull"');
  await page.waitForFunction(
    () => document.querySelector('#failure-list')?.textContent?.includes('corrupt upload'),
    undefined,
    { timeout: 15_000 },
  );
  expect(await backlogOf('emails')).toBe('2');
  expect(consoleErrors).toEqual([]);
  const outside = requests.filter((u) => !u.startsWith(exporter.url) && !u.startsWith('data:'));
  expect(outside).toEqual([]);
  writeFileSync(
    path.join(OUT, 'dashboard-weight.txt'),
    `first load: ${(bytes / 1024).toFixed(1)} KB in ${requests.length} requests\n`,
  );
  await page.screenshot({ path: path.join(OUT, 'dashboard.png'), fullPage: true });
});

test('refreshes by itself: a job added appears after the next refresh, without moving the layout', async () => {
  const before = await page.locator('#queue-table').boundingBox();
  const snap = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('main > *, #banner, header')].map((e) => [
        e.id || e.tagName,
        e.getBoundingClientRect().height,
        (e as HTMLElement).innerText.slice(0, 300),
      ]),
    );
  const beforeSnap = await snap();
  await queues[1].add('send', { n: 3 });
  await page.waitForFunction(
    () => document.querySelector('#queue-table tr[data-queue="emails"] td:nth-child(2)')?.textContent === '3',
    undefined,
    { timeout: 15_000 },
  );
  const after = await page.locator('#queue-table').boundingBox();
  if (after?.y !== before?.y)
    console.log('LAYOUT', JSON.stringify(beforeSnap), '\nAFTER', JSON.stringify(await snap()));
  expect(after?.y).toBe(before?.y);
  expect(await page.locator('#refresh-state').textContent()).toMatch(/refresh in \ds/);
});

test('keyboard: pause by Enter on the focused button, sort by a header button', async () => {
  await page.focus('#pause');
  await page.keyboard.press('Enter');
  expect(await page.locator('#pause').getAttribute('aria-pressed')).toBe('true');
  expect(await page.locator('#refresh-state').textContent()).toBe('paused');
  await page.keyboard.press('Enter');
  expect(await page.locator('#pause').getAttribute('aria-pressed')).toBe('false');
  await page.focus('#queue-table th button[data-sort="name"]');
  await page.keyboard.press('Enter');
  expect(await page.locator('#queue-table tbody tr').first().getAttribute('data-queue')).toBe('emails');
  await page.fill('#filter', 'ima');
  expect(await page.locator('#queue-table tbody tr').count()).toBe(1);
  await page.fill('#filter', '');
});

test('Redis stops: the page shows the outage and keeps the last figures', async () => {
  await redis.stop();
  await page.waitForFunction(() => document.querySelector('#overall')?.textContent === 'down', undefined, {
    timeout: 20_000,
  });
  expect(await page.locator('#components li.s-down').first().textContent()).toMatch(/redis/);
  expect(await page.locator('#banner').textContent()).toMatch(/collection incomplete: .*redis/);
  // The queue table keeps its last good figures, dimmed and labelled, rather than going blank.
  expect(await page.locator('#queues').getAttribute('class')).toContain('stale');
  expect(await page.locator('#queues .stale-note').textContent()).toMatch(/last good figures from/);
  expect(await backlogOf('emails')).toBe('3');
  expect(await page.locator('#redis dd').first().textContent()).toBe('down');
  await page.screenshot({ path: path.join(OUT, 'dashboard-redis-down.png'), fullPage: true });
});

test('the exporter unreachable: an error banner, the last good data kept', async () => {
  await page.route('**/dashboard/data', (route) => route.abort());
  await page.waitForFunction(() => document.querySelector('#banner')?.classList.contains('error'), undefined, {
    timeout: 15_000,
  });
  expect(await page.locator('#banner').textContent()).toMatch(/cannot reach the exporter .*showing data from/);
  expect(await page.locator('#queue-table tbody tr').count()).toBeGreaterThan(0);
  await page.unroute('**/dashboard/data');
});

test('phone width: no horizontal page overflow, the table scrolls inside its box', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: path.join(OUT, 'dashboard-phone.png'), fullPage: true });
  expect(consoleErrors.filter((e) => !/Failed to load resource|ERR_FAILED/.test(e))).toEqual([]);
});

describe('with a reachable Alertmanager', () => {
  let am: AlertmanagerServer;
  let watching: ExporterProcess;

  beforeAll(async () => {
    // A real Alertmanager (notifications go nowhere): two firing alerts, the warning the older one,
    // so only the severity puts the critical one first; a third held back by a silence.
    am = await startAlertmanager(
      stringify(alertmanagerConfig({ receiver: 'inbox', notifications: { inboxUrl: 'http://127.0.0.1:9' } })),
    );
    const alert = (minutesAgo: number, labels: Record<string, string>, summary: string) => ({
      labels: { instance: 'exp:9478', ...labels },
      annotations: { summary },
      startsAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    });
    const posted = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert(30, { alertname: 'QueueBacklogHigh', severity: 'warning', queue: 'images' }, 'Queue backlog high'),
        alert(5, { alertname: 'RedisDown', severity: 'critical' }, 'Redis unreachable'),
        alert(10, { alertname: 'HostCpuHigh', severity: 'warning' }, 'Host CPU busy'),
      ]),
    });
    expect(posted.ok).toBe(true);
    await silenceAlert(am.url, 'HostCpuHigh');
    watching = await startExporter(['--no-collector.host'], { ALERTMANAGER_URL: am.url });
  });

  afterAll(async () => {
    await Promise.allSettled([watching?.stop(), am?.stop()]);
  });

  test('lists the firing alerts, critical first, and counts the silence', async () => {
    const errors: string[] = [];
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    tab.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    tab.on('pageerror', (err) => errors.push(err.message));
    try {
      await tab.goto(`${watching.url}/dashboard`);
      // Alertmanager applies a new silence within moments; the exporter reuses an answer for 5 s.
      await tab.waitForFunction(
        () => document.querySelector('#alert-counts')?.textContent?.includes('1 silenced'),
        undefined,
        { timeout: 30_000 },
      );
      expect(await tab.locator('#alerts').isVisible()).toBe(true);
      expect(await tab.locator('#alert-counts').textContent()).toBe('2 firing · 1 silenced or inhibited · 1 silences');
      const items = tab.locator('#alert-list li');
      expect(await items.count()).toBe(2);
      expect(await items.nth(0).textContent()).toContain('critical · RedisDown');
      expect(await items.nth(0).textContent()).toContain('Redis unreachable');
      expect(await items.nth(0).locator('.s-down').count()).toBe(1);
      expect(await items.nth(1).textContent()).toContain('warning · QueueBacklogHigh');
      expect(await items.nth(1).textContent()).toContain('images');
      expect(await tab.locator('#alert-list').textContent()).not.toMatch(/HostCpuHigh|unreachable:/);
      expect(errors).toEqual([]);
      await tab.locator('#alerts').screenshot({ path: path.join(OUT, 'dashboard-alerts.png') });
    } finally {
      await tab.close();
    }
  });
});
