import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { defaultConfig } from '../../monitoring/config';
import { alertRules } from '../../monitoring/rules';
import { RECEIVER_KINDS } from '../../monitoring/stack/alertmanager';
import { DATASOURCE_UID } from '../../monitoring/stack/grafana';
import { remoteWriteExamples } from '../../monitoring/stack/ha';
import { REPLICA_LABEL } from '../../monitoring/stack/prometheus';
import { tempDir } from '../harness/process';
import { committedDashboard } from './committed-dashboard';

const ROOT = path.resolve(__dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const yamlOf = <T>(rel: string) => parse(read(rel)) as T;
const tmp = tempDir('ha');
afterAll(() => tmp.remove());

type PromConfig = {
  global: { external_labels?: Record<string, string>; scrape_interval: string };
  rule_files: string[];
  alerting: {
    alert_relabel_configs?: { action: string; regex: string }[];
    alertmanagers: { static_configs: { targets: string[] }[] }[];
  };
  scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
  remote_write?: unknown[];
};

/** `promtool check config --syntax-only` on a config (rule files are not read with --syntax-only). */
function promtoolCheck(name: string, config: unknown): string {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, stringify(config));
  const res = spawnSync('promtool', ['check', 'config', '--syntax-only', file], { encoding: 'utf8' });
  return `${res.stdout}${res.stderr}` + (res.status === 0 ? '' : `(exit ${res.status})`);
}

describe('HA Prometheus files', () => {
  const a = yamlOf<PromConfig>('prometheus/prometheus-ha-a.yml');
  const b = yamlOf<PromConfig>('prometheus/prometheus-ha-b.yml');

  test('two replicas that differ only in the replica label, each sending to the three Alertmanagers', () => {
    expect(a.global.external_labels).toEqual({ [REPLICA_LABEL]: 'a' });
    expect(b.global.external_labels).toEqual({ [REPLICA_LABEL]: 'b' });
    expect({ ...b, global: { ...b.global, external_labels: {} } }).toEqual({
      ...a,
      global: { ...a.global, external_labels: {} },
    });
    expect(a.alerting.alertmanagers[0].static_configs[0].targets).toEqual([
      'alertmanager:9093',
      'alertmanager-2:9093',
      'alertmanager-3:9093',
    ]);
    // The same rules and scrapes as the single stack.
    const single = yamlOf<PromConfig>('prometheus/prometheus.yml');
    expect(a.rule_files).toEqual(single.rule_files);
    expect(a.global.scrape_interval).toBe(single.global.scrape_interval);
    expect(a.scrape_configs.map((j) => j.job_name)).toEqual(single.scrape_configs.map((j) => j.job_name));
    // Each replica scrapes both, so the live one notices the dead one.
    expect(a.scrape_configs.find((j) => j.job_name === 'prometheus')!.static_configs![0].targets).toEqual([
      'prometheus:9090',
      'prometheus-b:9090',
    ]);
    for (const [name, config] of [
      ['a', a],
      ['b', b],
    ] as const)
      expect(promtoolCheck(`ha-${name}.yml`, config)).toContain('SUCCESS');
  });

  test('the replica label is dropped from alerts, set by no rule, and grouped on by no Alertmanager', () => {
    // Prometheus adds external labels to alerts; relabelled away, both replicas send the same alert.
    expect(a.alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: REPLICA_LABEL }]);
    for (const rule of alertRules(defaultConfig)) expect(rule.expr).not.toMatch(new RegExp(`\\b${REPLICA_LABEL}\\b`));
    const alerts = read('prometheus/rules/jobstack-alerts.yml');
    expect(alerts).not.toMatch(new RegExp(`^\\s+${REPLICA_LABEL}:`, 'm'));
    type Route = { group_by?: string[]; routes?: Route[] };
    const groupBys = (route: Route): string[][] => [route.group_by ?? [], ...(route.routes ?? []).flatMap(groupBys)];
    for (const kind of RECEIVER_KINDS) {
      const am = yamlOf<{ route: Route; inhibit_rules: { equal: string[] }[] }>(
        `alertmanager/alertmanager-${kind}.yml`,
      );
      for (const g of groupBys(am.route)) expect(g).not.toContain(REPLICA_LABEL);
      for (const rule of am.inhibit_rules) expect(rule.equal).not.toContain(REPLICA_LABEL);
    }
  });

  test.each(Object.keys(remoteWriteExamples(defaultConfig)))(
    'the %s remote_write example is valid in an HA file',
    (store) => {
      const example = parse(read(`prometheus/remote-write/${store}.yml.example`)) as { remote_write: unknown[] };
      expect(example.remote_write).toHaveLength(1);
      expect(promtoolCheck(`rw-${store}.yml`, { ...a, remote_write: example.remote_write })).toContain('SUCCESS');
    },
  );
});

describe('HA Grafana and compose', () => {
  test('a datasource per replica, the first keeping the uid the dashboards default to', () => {
    const ds = yamlOf<{ datasources: { uid: string; url: string; isDefault: boolean }[] }>(
      'grafana/provisioning-ha/datasources/prometheus.yml',
    ).datasources;
    expect(ds.map((d) => [d.uid, d.url, d.isDefault])).toEqual([
      [DATASOURCE_UID, 'http://prometheus:9090', true],
      [`${DATASOURCE_UID}-b`, 'http://prometheus-b:9090', false],
    ]);
    expect(read('grafana/provisioning-ha/dashboards/jobstack.yml')).toBe(
      read('grafana/provisioning/dashboards/jobstack.yml'),
    );
  });

  test('panels that add queue or database figures across exporters take one value per replica set first', () => {
    const replicas = defaultConfig.exporterReplicaLabels.join(', ');
    const exprs = committedDashboard('jobstack-overview.json').panels.flatMap((p) =>
      (p.targets ?? []).map((t) => t.expr),
    );
    const queueSums = exprs.filter((e) => /sum by \((queue|state)\) \(/.test(e) && !e.includes('histogram_quantile'));
    expect(queueSums.length).toBeGreaterThanOrEqual(6);
    // Every `sum by (queue|state) (...)` wraps a `max without (<replica labels>) (...)`.
    for (const e of queueSums)
      expect({ e, sums: e.split(/sum by \((?:queue|state)\) \(/).length - 1 }).toEqual({
        e,
        sums:
          e.split(`sum by (queue) (max without (${replicas}) (`).length +
          e.split(`sum by (state) (max without (${replicas}) (`).length -
          2,
      });
  });

  const compose = (env: Record<string, string>, ...args: string[]) => {
    const res = spawnSync(
      'docker-compose',
      ['-f', path.join(ROOT, 'docker-compose.monitoring.yml'), ...args, 'config'],
      {
        encoding: 'utf8',
        cwd: ROOT,
        env: { PATH: process.env.PATH, GRAFANA_ADMIN_PASSWORD: 'test-only', ...env },
      },
    );
    expect(res.stderr).not.toMatch(/ERROR|invalid/i);
    expect(res.status).toBe(0);
    type Service = { command?: string[]; volumes?: unknown[]; profiles?: string[] };
    return (parse(res.stdout) as { services: Record<string, Service> }).services;
  };

  test('compose profile ha: the second Prometheus, three gossiping Alertmanagers, the HA files chosen', () => {
    const plain = compose({});
    expect(plain.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    // The added services start only with the profile; the plain ones always.
    for (const name of ['prometheus-b', 'alertmanager-2', 'alertmanager-3'])
      expect(plain[name].profiles).toEqual(['ha']);
    for (const name of ['prometheus', 'alertmanager', 'grafana']) expect(plain[name].profiles).toBeUndefined();
    const ha = compose(
      { PROMETHEUS_CONFIG: 'prometheus-ha-a.yml', GRAFANA_PROVISIONING: 'provisioning-ha' },
      '--profile',
      'ha',
    );
    expect(ha.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus-ha-a.yml');
    expect(ha['prometheus-b'].command).toContain('--config.file=/etc/prometheus/prometheus-ha-b.yml');
    expect(ha['alertmanager-2'].command).toEqual(
      expect.arrayContaining(['--cluster.peer=alertmanager:9094', '--cluster.peer=alertmanager-3:9094']),
    );
    expect(ha['alertmanager-3'].command).toEqual(
      expect.arrayContaining(['--cluster.peer=alertmanager:9094', '--cluster.peer=alertmanager-2:9094']),
    );
    expect(JSON.stringify(ha.grafana.volumes)).toContain('grafana/provisioning-ha');
  });
});
