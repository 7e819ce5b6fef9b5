import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { RECEIVER_KINDS, alertmanagerConfig } from '../../monitoring/stack/alertmanager';
import { startAlertmanager, type AlertmanagerServer } from '../harness/alertmanager';
import { tempDir, waitFor } from '../harness/process';

const tmp = tempDir('am-config');
afterAll(() => tmp.remove());
const committedFile = (kind: string) => path.resolve(__dirname, `../../alertmanager/alertmanager-${kind}.yml`);
const committed = committedFile('inbox');

/** stdout carries the answer; stderr may hold notices (amtool warns about flag precedence). */
function amtool(...args: string[]): { status: number | null; out: string } {
  const res = spawnSync('amtool', args, { encoding: 'utf8' });
  return { status: res.status, out: res.stdout.trim() || res.stderr.trim() };
}

describe('alertmanager-<receiver>.yml', () => {
  test.each(RECEIVER_KINDS)('amtool check-config accepts the committed %s file', (kind) => {
    const res = amtool('check-config', committedFile(kind));
    expect(res.out).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  test.each(RECEIVER_KINDS)('the %s file reads its secrets from files and holds none', (kind) => {
    const text = readFileSync(committedFile(kind), 'utf8');
    expect(text).not.toMatch(/api_url:|routing_key:|auth_password:|credentials:|service_key:/);
    const secretFiles = {
      inbox: [],
      webhook: ['webhook_token'],
      slack: ['slack_api_url'],
      email: ['smtp_password'],
      pagerduty: ['pagerduty_routing_key'],
    }[kind];
    for (const name of secretFiles) expect(text).toContain(`/etc/alertmanager/secrets/${name}`);
  });

  test.each([
    [['severity=critical', 'alertname=RedisDown'], 'critical'],
    [['severity=warning', 'alertname=QueueBacklogHigh', 'queue=images'], 'warning'],
    [['severity=info', 'alertname=Something'], 'warning'],
    [['alertname=NoSeverity'], 'warning'],
    [['alertname=Watchdog', 'severity=none'], 'heartbeat'],
  ])('routes %j to %s', (labels, receiver) => {
    const res = amtool(
      'config',
      'routes',
      'test',
      `--config.file=${committed}`,
      `--verify.receivers=${receiver}`,
      ...labels,
    );
    expect(res.out).toBe(receiver);
    expect(res.status).toBe(0);
  });
});

describe('inhibitions, in a real Alertmanager', () => {
  let am: AlertmanagerServer;
  beforeAll(async () => {
    am = await startAlertmanager(
      stringify(
        alertmanagerConfig({
          receiver: 'inbox',
          notifications: { inboxUrl: 'http://127.0.0.1:9' },
          groupWait: '1s',
          groupInterval: '1s',
        }),
      ),
    );
  });
  afterAll(() => am?.stop());

  type Alert = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };
  const post = async (alerts: Record<string, string>[]) => {
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels, annotations: {}, startsAt: new Date().toISOString() }))),
    });
    expect(res.ok).toBe(true);
  };
  const stateOf = async (match: Record<string, string>): Promise<string | undefined> => {
    const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Alert[];
    return alerts.find((a) => Object.entries(match).every(([k, v]) => a.labels[k] === v))?.status.state;
  };
  const expectState = (match: Record<string, string>, state: string) =>
    waitFor(`${JSON.stringify(match)} ${state}`, async () => (await stateOf(match)) === state, 10_000, 200);

  test('RedisDown silences queue alerts of the same instance only', async () => {
    await post([
      { alertname: 'RedisDown', severity: 'critical', component: 'redis', instance: 'a:9478' },
      { alertname: 'QueueNoWorkers', severity: 'critical', component: 'queue', instance: 'a:9478', queue: 'images' },
      { alertname: 'QueueNoWorkers', severity: 'critical', component: 'queue', instance: 'b:9478', queue: 'images' },
      { alertname: 'PostgresDown', severity: 'critical', component: 'postgres', instance: 'a:9478' },
    ]);
    await expectState({ alertname: 'QueueNoWorkers', instance: 'a:9478' }, 'suppressed');
    await expectState({ alertname: 'QueueNoWorkers', instance: 'b:9478' }, 'active');
    await expectState({ alertname: 'PostgresDown', instance: 'a:9478' }, 'active');
    await expectState({ alertname: 'RedisDown', instance: 'a:9478' }, 'active');
  });

  test('exporter down silences everything from that exporter', async () => {
    await post([
      { alertname: 'JobstackExporterDown', severity: 'critical', component: 'exporter', instance: 'c:9478' },
      { alertname: 'HostCpuHigh', severity: 'warning', component: 'host', instance: 'c:9478' },
      { alertname: 'StorageDown', severity: 'critical', component: 'storage', instance: 'c:9478' },
    ]);
    await expectState({ alertname: 'HostCpuHigh', instance: 'c:9478' }, 'suppressed');
    await expectState({ alertname: 'StorageDown', instance: 'c:9478' }, 'suppressed');
    await expectState({ alertname: 'JobstackExporterDown', instance: 'c:9478' }, 'active');
  });

  test('a critical silences its warning twin, not other queues', async () => {
    await post([
      {
        alertname: 'QueueFailureRatioHigh',
        severity: 'critical',
        component: 'queue',
        instance: 'd:9478',
        queue: 'emails',
      },
      {
        alertname: 'QueueFailureRatioHigh',
        severity: 'warning',
        component: 'queue',
        instance: 'd:9478',
        queue: 'emails',
      },
      {
        alertname: 'QueueFailureRatioHigh',
        severity: 'warning',
        component: 'queue',
        instance: 'd:9478',
        queue: 'images',
      },
    ]);
    await expectState({ alertname: 'QueueFailureRatioHigh', severity: 'warning', queue: 'emails' }, 'suppressed');
    await expectState({ alertname: 'QueueFailureRatioHigh', severity: 'warning', queue: 'images' }, 'active');
    await expectState({ alertname: 'QueueFailureRatioHigh', severity: 'critical', queue: 'emails' }, 'active');
  });

  test("an API route paging silences its own ticket, not another route's", async () => {
    await post([
      {
        alertname: 'ApiAvailabilityBudgetBurn',
        severity: 'critical',
        component: 'api',
        job: 'api',
        http_route: '/orders/:id',
      },
      {
        alertname: 'ApiAvailabilityBudgetBurn',
        severity: 'warning',
        component: 'api',
        job: 'api',
        http_route: '/orders/:id',
      },
      {
        alertname: 'ApiAvailabilityBudgetBurn',
        severity: 'warning',
        component: 'api',
        job: 'api',
        http_route: '/checkout',
      },
    ]);
    await expectState(
      { alertname: 'ApiAvailabilityBudgetBurn', severity: 'warning', http_route: '/orders/:id' },
      'suppressed',
    );
    await expectState(
      { alertname: 'ApiAvailabilityBudgetBurn', severity: 'warning', http_route: '/checkout' },
      'active',
    );
    await expectState(
      { alertname: 'ApiAvailabilityBudgetBurn', severity: 'critical', http_route: '/orders/:id' },
      'active',
    );
  });

  test('RedisDown silences the other Redis alerts and the redis and bullmq collector failures, not postgres', async () => {
    await post([
      { alertname: 'RedisDown', severity: 'critical', component: 'redis', instance: 'e:9478' },
      { alertname: 'RedisMemoryNearMax', severity: 'warning', component: 'redis', instance: 'e:9478' },
      {
        alertname: 'JobstackCollectorFailing',
        severity: 'warning',
        component: 'exporter',
        instance: 'e:9478',
        collector: 'redis',
      },
      {
        alertname: 'JobstackCollectorFailing',
        severity: 'warning',
        component: 'exporter',
        instance: 'e:9478',
        collector: 'bullmq',
      },
      {
        alertname: 'JobstackCollectorFailing',
        severity: 'warning',
        component: 'exporter',
        instance: 'e:9478',
        collector: 'postgres',
      },
    ]);
    await expectState({ alertname: 'RedisMemoryNearMax', instance: 'e:9478' }, 'suppressed');
    await expectState({ alertname: 'JobstackCollectorFailing', instance: 'e:9478', collector: 'redis' }, 'suppressed');
    await expectState({ alertname: 'JobstackCollectorFailing', instance: 'e:9478', collector: 'bullmq' }, 'suppressed');
    await expectState({ alertname: 'JobstackCollectorFailing', instance: 'e:9478', collector: 'postgres' }, 'active');
    await expectState({ alertname: 'RedisDown', instance: 'e:9478' }, 'active');
  });

  test('PostgresDown silences the other PostgreSQL alerts and its collector failure; amtool lists them as inhibited', async () => {
    await post([
      { alertname: 'PostgresDown', severity: 'critical', component: 'postgres', instance: 'f:9478' },
      { alertname: 'PostgresConnectionsNearMax', severity: 'warning', component: 'postgres', instance: 'f:9478' },
      {
        alertname: 'JobstackCollectorFailing',
        severity: 'warning',
        component: 'exporter',
        instance: 'f:9478',
        collector: 'postgres',
      },
      {
        alertname: 'JobstackCollectorFailing',
        severity: 'warning',
        component: 'exporter',
        instance: 'f:9478',
        collector: 'host',
      },
    ]);
    await expectState({ alertname: 'PostgresConnectionsNearMax', instance: 'f:9478' }, 'suppressed');
    await expectState(
      { alertname: 'JobstackCollectorFailing', instance: 'f:9478', collector: 'postgres' },
      'suppressed',
    );
    await expectState({ alertname: 'JobstackCollectorFailing', instance: 'f:9478', collector: 'host' }, 'active');
    // The operator's view: amtool against the same Alertmanager.
    const active = amtool('alert', 'query', `--alertmanager.url=${am.url}`, '-o', 'json', 'instance=f:9478');
    const inhibited = amtool(
      'alert',
      'query',
      `--alertmanager.url=${am.url}`,
      '-o',
      'json',
      '--inhibited',
      'instance=f:9478',
    );
    const names = (out: string) =>
      (JSON.parse(out) as Alert[])
        .map((a) => `${a.labels.alertname}/${a.labels.collector ?? ''}/${a.status.state}`)
        .sort();
    expect(names(active.out)).toEqual(['JobstackCollectorFailing/host/active', 'PostgresDown//active']);
    expect(names(inhibited.out)).toEqual([
      'JobstackCollectorFailing/postgres/suppressed',
      'PostgresConnectionsNearMax//suppressed',
    ]);
  });
});
