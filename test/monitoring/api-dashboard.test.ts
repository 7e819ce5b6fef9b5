import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { defaultConfig, withOverrides } from '../../monitoring/config';
import { API_DASHBOARD_UID, apiDashboard } from '../../monitoring/dashboards/api';
import { overviewDashboard } from '../../monitoring/dashboards/overview';
import { apiAlerts, leMatcher, routeGroups } from '../../monitoring/rules/api';
import { instrumentMetrics } from '../../src/instrument/metrics';
import { DATASOURCE_UID } from '../../monitoring/stack/grafana';
import { tempDir } from '../harness/process';
import { committedDashboard } from './committed-dashboard';

const ROOT = path.resolve(__dirname, '../..');
const committed = committedDashboard('jobstack-api.json');
const panels = committed.panels.filter((p) => p.type !== 'row');
const tmp = tempDir('api-dash');
afterAll(() => tmp.remove());

describe('jobstack API dashboard', () => {
  test('stable uid and title; the committed JSON is the build output; the overview keeps its 14 panels', () => {
    expect(committed).toMatchObject({ uid: API_DASHBOARD_UID, title: 'jobstack API' });
    expect(JSON.parse(JSON.stringify(apiDashboard(defaultConfig)))).toEqual(committed);
    expect((overviewDashboard(defaultConfig).panels ?? []).filter((p) => p.type !== 'row')).toHaveLength(14);
  });

  test('the panels the issue asks for, with unique ids', () => {
    expect(panels.map((p) => p.title)).toEqual([
      'Request rate',
      'Error ratio (5xx)',
      'Active requests',
      'Latency p50 / p90 / p95 / p99',
      'Slowest routes',
      'Routes',
      'WebSocket connections',
      'WebSocket events',
    ]);
    const latency = panels.find((p) => p.title.startsWith('Latency'))!;
    expect(latency.targets!.map((t) => /histogram_quantile\(([\d.]+)/.exec(t.expr)?.[1])).toEqual([
      '0.5',
      '0.9',
      '0.95',
      '0.99',
    ]);
    const ids = committed.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('variables datasource, instance, route; every panel has a unit, a description, the datasource variable and queries on instrument metrics', () => {
    expect(committed.templating.list.map((v) => v.name)).toEqual(['datasource', 'instance', 'route']);
    expect(committed.templating.list[0]).toMatchObject({ type: 'datasource', current: { value: DATASOURCE_UID } });
    const names = Object.values(instrumentMetrics).map((d) => d.name);
    for (const p of panels) {
      expect({ title: p.title, unit: p.fieldConfig?.defaults?.unit }).toEqual({
        title: p.title,
        unit: expect.any(String),
      });
      expect(p.description?.length ?? 0).toBeGreaterThan(20);
      expect(p.datasource?.uid).toBe('${datasource}');
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid).toBe('${datasource}');
        expect(names.some((n) => t.expr.includes(n))).toBe(true);
        expect(t.expr).toContain(defaultConfig.api.selector);
        for (const m of t.expr.matchAll(/\brate\([^[]+\[([^\]]+)\]/g))
          expect(['$__rate_interval', '$__range']).toContain(m[1]);
        expect(t.expr).not.toMatch(/rate\((http_server_active_requests|websocket_server_active_connections)\{/);
      }
    }
  });

  test('no overlapping panels; rows at full width; equal heights within a row', () => {
    const cells = new Set<string>();
    for (const p of committed.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`)).toBe(false);
          cells.add(`${i},${j}`);
        }
    }
    const byY = new Map<number, Set<number>>();
    for (const p of panels) byY.set(p.gridPos.y, (byY.get(p.gridPos.y) ?? new Set()).add(p.gridPos.h));
    for (const heights of byY.values()) expect(heights.size).toBe(1);
  });
});

describe('API scrape job and objectives', () => {
  test('prometheus.yml scrapes the API from file_sd only, prometheus-demo.yml adds the demo DNS name; the shipped example is a valid file_sd file', () => {
    type PromConfig = { scrape_configs: { job_name: string; file_sd_configs?: { files: string[] }[] }[] };
    const shipped = (file: string) => parse(readFileSync(path.join(ROOT, 'prometheus', file), 'utf8')) as PromConfig;
    const prom = shipped('prometheus.yml');
    const job = prom.scrape_configs.find((j) => j.job_name === 'api')!;
    // file_sd for real installs: no DNS name that resolves nowhere but in the demo (a DNS error logged at every refresh).
    expect(job).toEqual({
      job_name: 'api',
      metrics_path: '/metrics',
      file_sd_configs: [{ files: [defaultConfig.api.fileSdGlob], refresh_interval: '1m' }],
    });
    for (const ha of ['prometheus-ha-a.yml', 'prometheus-ha-b.yml'])
      expect(shipped(ha).scrape_configs.find((j) => j.job_name === 'api')).toEqual(job);
    // The demo's file: the same, plus the compose demo's service `api`.
    const demo = shipped('prometheus-demo.yml');
    expect(demo.scrape_configs.find((j) => j.job_name === 'api')).toEqual({
      ...job,
      dns_sd_configs: [{ names: ['api'], type: 'A', port: 3000, refresh_interval: '30s' }],
    });
    expect({ ...demo, scrape_configs: demo.scrape_configs.filter((j) => j.job_name !== 'api') }).toEqual({
      ...prom,
      scrape_configs: prom.scrape_configs.filter((j) => j.job_name !== 'api'),
    });
    // promtool reads file_sd files matching the glob: point one at the example.
    copyFileSync(path.join(ROOT, 'prometheus/file_sd/api.yml.example'), path.join(tmp.dir, 'api-example.yml'));
    writeFileSync(
      path.join(tmp.dir, 'prometheus.yml'),
      stringify({
        scrape_configs: [{ job_name: 'api', file_sd_configs: [{ files: [path.join(tmp.dir, 'api-*.yml')] }] }],
      }),
    );
    const res = spawnSync('promtool', ['check', 'config', path.join(tmp.dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`).toMatch(/SUCCESS/);
    expect(res.status).toBe(0);
    expect(parse(readFileSync(path.join(tmp.dir, 'api-example.yml'), 'utf8'))).toEqual([
      { targets: ['api-1.internal:3000', 'api-2.internal:3000'], labels: { env: 'production' } },
    ]);
  });

  test('SLO ratios (windows up to 3 d) evaluate once a minute in their own group; everything else at the evaluation interval', () => {
    const file = parse(readFileSync(path.join(ROOT, 'prometheus/rules/jobstack-recording.yml'), 'utf8')) as {
      groups: { name: string; interval: string; rules: { record: string }[] }[];
    };
    const [main, slo] = file.groups;
    expect([main.interval, slo.name, slo.interval]).toEqual([
      defaultConfig.evaluationInterval,
      'jobstack-api-slo',
      '1m',
    ]);
    expect(slo.rules.length).toBe(14);
    expect(slo.rules.every((r) => r.record.startsWith('job_route:slo_'))).toBe(true);
    expect(main.rules.some((r) => r.record.startsWith('job_route:slo_'))).toBe(false);
  });

  test('per-route overrides: the default objective skips the overridden route, which gets its own line and bucket', () => {
    const cfg = withOverrides({
      api: {
        objectives: {
          ...defaultConfig.api.objectives,
          overrides: { '/reports/:id': { latencySeconds: 5, availability: 0.99 } },
        },
      },
    });
    expect(routeGroups(cfg).map((g) => g.matcher)).toEqual(['http_route!~"/reports/:id"', 'http_route="/reports/:id"']);
    const availability = apiAlerts(cfg).find(
      (a) => a.alert === 'ApiAvailabilityBudgetBurn' && a.severity === 'critical',
    )!.expr;
    expect(availability).toContain(
      'job_route:slo_availability_errors:ratio_rate1h{http_route!~"/reports/:id"} > 0.0144',
    );
    expect(availability).toContain('job_route:slo_availability_errors:ratio_rate1h{http_route="/reports/:id"} > 0.144');
    expect(leMatcher(5)).toBe('le=~"5|5.0"');
    expect(leMatcher(0.5)).toBe('le="0.5"');
    expect(() => leMatcher(0.3)).toThrow(/not a bucket bound/);
  });
});
