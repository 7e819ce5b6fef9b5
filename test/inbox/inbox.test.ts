/**
 * The bundled alert inbox: what Alertmanager posts is kept (bounded) and shown escaped; hostile
 * bodies are refused or cut; the heartbeat is remembered. Driven through its real HTTP handler.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { INBOX_LIMITS, Inbox, inboxHandler, toNotification } from '../../src/inbox/inbox';
import { ROOT } from '../harness/exporter';
import { freePort } from '../harness/process';

let server: http.Server;
let url: string;
const inbox = new Inbox();

beforeAll(async () => {
  server = http.createServer(inboxHandler(inbox));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const post = (path: string, body: string) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const alertmanagerPayload = (alertname: string, extra: Record<string, string> = {}) =>
  JSON.stringify({
    version: '4',
    receiver: 'critical',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname, severity: 'critical', instance: 'exp:9478', ...extra },
        annotations: { description: `${alertname} happened`, runbook_url: 'https://example.com/rb#x' },
        startsAt: '2026-01-01T00:00:00Z',
      },
    ],
  });

test('keeps what Alertmanager posts, newest first, and shows it as JSON and HTML', async () => {
  expect((await post('/alerts', alertmanagerPayload('RedisDown'))).status).toBe(200);
  expect((await post('/alerts', alertmanagerPayload('<script>alert(1)</script>'))).status).toBe(200);
  const json = (await (await fetch(`${url}/api/notifications`)).json()) as {
    notifications: { receiver: string; alerts: { labels: Record<string, string> }[] }[];
  };
  expect(json.notifications.map((n) => n.alerts[0].labels.alertname)).toEqual([
    '<script>alert(1)</script>',
    'RedisDown',
  ]);
  expect(json.notifications[1].receiver).toBe('critical');
  const page = await (await fetch(`${url}/`)).text();
  expect(page).toContain('RedisDown happened');
  expect(page).toContain('href="https://example.com/rb#x"');
  expect(page).not.toContain('<script>');
});

test('remembers the last heartbeat', async () => {
  expect((await post('/heartbeat', alertmanagerPayload('Watchdog'))).status).toBe(200);
  const json = (await (await fetch(`${url}/api/notifications`)).json()) as {
    heartbeat: { lastAt: string | null; ageSeconds: number };
  };
  expect(json.heartbeat.lastAt).not.toBeNull();
  expect(json.heartbeat.ageSeconds).toBeLessThan(60);
  expect(await (await fetch(`${url}/`)).text()).toMatch(/last heartbeat \d+ s ago/);
});

test('hostile input: not JSON, too large, odd shapes, long values, floods stay bounded', async () => {
  expect((await post('/alerts', '{nope')).status).toBe(400);
  expect((await post('/alerts', 'x'.repeat(INBOX_LIMITS.bodyBytes + 10))).status).toBe(413);
  expect((await post('/alerts', '[1,2,3]')).status).toBe(200);
  expect((await post('/alerts', JSON.stringify({ alerts: [null, 5, { labels: 'x' }] }))).status).toBe(200);
  const long = 'é'.repeat(50_000);
  await post('/alerts', alertmanagerPayload('Long', { queue: long }));
  const many = {
    alerts: Array.from({ length: 500 }, (_, i) => ({ status: 'firing', labels: { alertname: `A${i}` } })),
  };
  await post('/alerts', JSON.stringify(many));
  for (let i = 0; i < INBOX_LIMITS.notifications + 20; i++)
    inbox.add({ receivedAt: new Date().toISOString(), receiver: 'r', status: 'firing', alerts: [] });
  const snapshot = inbox.snapshot(new Date());
  expect(snapshot.notifications).toHaveLength(INBOX_LIMITS.notifications);
  expect((await fetch(`${url}/-/healthy`)).status).toBe(200);
  expect((await fetch(`${url}/alerts`, { method: 'PUT' })).status).toBe(405);
  expect((await fetch(`${url}/nothing`)).status).toBe(404);
});

test('cuts values and counts where they are read', () => {
  const fresh = new Inbox();
  const n = toNotification(
    { alerts: Array.from({ length: 100 }, () => ({ labels: { queue: 'q'.repeat(10_000) } })) },
    new Date(),
  );
  fresh.add(n);
  expect(n.alerts).toHaveLength(INBOX_LIMITS.alertsPerNotification);
  expect(n.alerts[0].labels.queue).toHaveLength(INBOX_LIMITS.valueChars);
});

test('the built inbox: a bad INBOX_LISTEN stops it with exit code 2 naming the setting', () => {
  const res = spawnSync(process.execPath, [path.join(ROOT, 'dist/inbox/main.js')], {
    env: { PATH: process.env.PATH, INBOX_LISTEN: 'nowhere' },
    encoding: 'utf8',
    timeout: 10_000,
  });
  expect(res.status).toBe(2);
  expect(res.stderr).toContain('config error: INBOX_LISTEN');
});
