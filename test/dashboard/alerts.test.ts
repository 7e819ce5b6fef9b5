/**
 * The built-in dashboard's Alertmanager view: firing alerts and silences from a real
 * Alertmanager through the real exporter; an Alertmanager that never answers costs at most its
 * timeout and is reported, and credentials in ALERTMANAGER_URL never show.
 */
import net from 'node:net';
import { stringify } from 'yaml';
import { alertmanagerConfig } from '../../monitoring/stack/alertmanager';
import { ALERT_LIMITS, summarise, type AlertsSummary } from '../../src/dashboard/alerts';
import { silenceAlert, startAlertmanager, type AlertmanagerServer } from '../harness/alertmanager';
import { startExporter, type ExporterProcess } from '../harness/exporter';
import { freePort, waitFor } from '../harness/process';

let am: AlertmanagerServer;
let exporter: ExporterProcess;
let silent: net.Server;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  am = await startAlertmanager(
    stringify(alertmanagerConfig({ receiver: 'inbox', notifications: { inboxUrl: 'http://127.0.0.1:9' } })),
  );
  const alert = (labels: Record<string, string>, summary: string) => ({
    labels,
    annotations: { summary },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
  });
  const res = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      alert(
        { alertname: 'QueueBacklogHigh', severity: 'warning', instance: 'exp:9478', queue: 'images' },
        'Queue backlog above its threshold',
      ),
      alert({ alertname: 'RedisDown', severity: 'critical', instance: 'exp:9478' }, 'Redis unreachable'),
      alert({ alertname: 'HostCpuHigh', severity: 'warning', instance: 'exp:9478' }, 'Host CPU busy'),
      alert({ alertname: 'Watchdog', severity: 'none' }, 'heartbeat'),
    ]),
  });
  expect(res.ok).toBe(true);
  // One silence: HostCpuHigh is held back, not firing.
  await silenceAlert(am.url, 'HostCpuHigh');
  exporter = await startExporter(['--no-collector.host'], { ALERTMANAGER_URL: am.url });

  silent = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  silent?.close();
  await Promise.allSettled([exporter?.stop(), am?.stop()]);
});

const dashboardData = async (url: string) =>
  (await (await fetch(`${url}/dashboard/data`)).json()) as {
    alerts: AlertsSummary | null;
    config: Record<string, unknown>;
  };

test('/dashboard/data lists firing alerts, critical first, with the silence counted; the Watchdog left out', async () => {
  let alerts: AlertsSummary | null = null;
  await waitFor(
    'the silence to apply',
    async () => {
      alerts = (await dashboardData(exporter.url)).alerts;
      return alerts?.suppressedCount === 1;
    },
    15_000,
    500,
  );
  expect(alerts).toMatchObject({ up: true, error: null, firingCount: 2, suppressedCount: 1, silences: 1 });
  expect(alerts!.firing.map((a) => `${a.severity}/${a.alertname}/${a.queue}`)).toEqual([
    'critical/RedisDown/',
    'warning/QueueBacklogHigh/images',
  ]);
  expect(alerts!.firing[0].summary).toBe('Redis unreachable');
  // Read-only: the exporter created no silence and changed no alert.
  const silences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as unknown[];
  expect(silences).toHaveLength(1);
});

test('without ALERTMANAGER_URL the field is null', async () => {
  const plain = await startExporter(['--no-collector.host'], {});
  try {
    expect((await dashboardData(plain.url)).alerts).toBeNull();
  } finally {
    await plain.stop();
  }
});

test('an Alertmanager that accepts and never answers: reported down within the timeout, credentials never shown', async () => {
  const port = (silent.address() as net.AddressInfo).port;
  const hung = await startExporter(['--no-collector.host'], {
    ALERTMANAGER_URL: `http://watcher:s3cret-pass-42@127.0.0.1:${port}`,
  });
  try {
    const started = Date.now();
    const res = await fetch(`${hung.url}/dashboard/data`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(8_000);
    const data = JSON.parse(text) as { alerts: AlertsSummary };
    expect(data.alerts).toMatchObject({ up: false, firingCount: 0 });
    expect(data.alerts.error).toMatch(/no answer within 2000 ms/);
    expect(text).not.toContain('s3cret-pass-42');
    expect(hung.child.log()).not.toContain('s3cret-pass-42');
    // A refused connection is just as quiet.
    const closed = await freePort();
    const refused = await startExporter(['--no-collector.host'], { ALERTMANAGER_URL: `http://127.0.0.1:${closed}` });
    try {
      expect((await dashboardData(refused.url)).alerts).toMatchObject({ up: false, firingCount: 0 });
    } finally {
      await refused.stop();
    }
  } finally {
    await hung.stop();
  }
});

test('summarise: hostile shapes, long values and floods stay bounded', () => {
  const many = Array.from({ length: 500 }, (_, i) => ({
    status: { state: 'active' },
    labels: { alertname: 'x'.repeat(10_000), severity: i % 2 ? 'critical' : 'warning' },
    startsAt: '2026-01-01T00:00:00Z',
  }));
  const s = summarise([...many, null, 5, { status: 'odd' }], { not: 'a list' }, new Date());
  expect(s.firingCount).toBe(500);
  expect(s.firing).toHaveLength(ALERT_LIMITS.listed);
  expect(s.firing[0].severity).toBe('critical');
  expect(s.firing[0].alertname).toHaveLength(ALERT_LIMITS.valueChars);
  expect(s.silences).toBe(0);
  expect(summarise('nonsense', null, new Date())).toMatchObject({ up: true, firingCount: 0, firing: [] });
});
