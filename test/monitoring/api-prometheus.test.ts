/**
 * The API half of the monitoring stack against real parts: the demo API (demo/api.js, Koa with
 * jobstack-exporter/instrument and a WebSocket route, calling itself), the exporter reading its
 * snapshot, and a real Prometheus scraping both with the generated rules loaded. Every query of
 * every panel of the committed "jobstack API" dashboard must answer with data, and every API
 * recording rule must evaluate to something.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { defaultConfig, withOverrides } from '../../monitoring/config';
import { ruleFiles } from '../../monitoring/rules';
import { apiRecordingRules } from '../../monitoring/rules/api';
import { startExporter, ROOT, type ExporterProcess } from '../harness/exporter';
import { Child, freePort, waitFor } from '../harness/process';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { RECORD } from '../../monitoring/rules/names';

jest.setTimeout(120_000);

type Panel = { title: string; type: string; targets?: { expr: string; refId: string }[] };
const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'grafana/dashboards/jobstack-api.json'), 'utf8')) as {
  panels: Panel[];
};

/** What Grafana substitutes before sending a query: all instances and routes, short windows. */
const substitute = (expr: string) =>
  expr
    .replaceAll('$instance', '.*')
    .replaceAll('$route', '.*')
    .replaceAll('$__rate_interval', '30s')
    .replaceAll('$__range', '2m');

let api: Child;
let exporter: ExporterProcess;
let prom: PromServer;
let apiPort = 0;

beforeAll(async () => {
  apiPort = await freePort();
  api = Child.start(process.execPath, [path.join(ROOT, 'demo/api.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(apiPort), DEMO_TRAFFIC_RPS: '40' },
  });
  await waitFor('demo api listening', async () => {
    if (!api.running) throw new Error(api.log());
    return (await fetch(`http://127.0.0.1:${apiPort}/metrics`).catch(() => null))?.ok ?? false;
  });
  exporter = await startExporter(['--no-collector.host'], {
    APP_TARGETS: `demo=http://127.0.0.1:${apiPort}/_jobstack`,
  });
  // The SLO group every second too, so its ratios exist within the test's minute.
  const rules = ruleFiles(withOverrides({ api: { sloEvaluationInterval: '1s' } })) as {
    recording: unknown;
    alerts: unknown;
  };
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    rule_files: ['recording.yml', 'alerts.yml'],
    scrape_configs: [
      { job_name: defaultConfig.api.job, static_configs: [{ targets: [`127.0.0.1:${apiPort}`] }] },
      { job_name: defaultConfig.job, static_configs: [{ targets: [exporter.url.replace('http://', '')] }] },
    ],
  };
  prom = await startPrometheus(stringify(config), {
    'recording.yml': stringify(rules.recording),
    'alerts.yml': stringify(rules.alerts),
  });
});

afterAll(async () => {
  await Promise.allSettled([prom?.stop(), exporter?.stop(), api?.stop()]);
});

/** The queries that still answer nothing, polled until none is left or time is up. */
async function stillEmpty(queries: readonly { name: string; expr: string }[], timeoutMs: number): Promise<string[]> {
  let empty: string[] = [];
  const deadline = Date.now() + timeoutMs;
  do {
    empty = [];
    for (const q of queries) {
      const result = await prom.query(q.expr);
      if (!result.some((r) => Number.isFinite(Number(r.value[1])))) empty.push(`${q.name}: ${q.expr}`);
    }
    if (!empty.length) break;
    await new Promise((r) => setTimeout(r, 1000));
  } while (Date.now() < deadline);
  return empty;
}

test('every query of every panel of the API dashboard answers with data', async () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  expect(panels.length).toBeGreaterThanOrEqual(8);
  const queries = panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ name: `${p.title} ${t.refId}`, expr: substitute(t.expr) })),
  );
  expect(await stillEmpty(queries, 60_000)).toEqual([]);
});

test('every API recording rule evaluates, the exporter reads the real snapshot, the health score includes it', async () => {
  const records = [...new Set(apiRecordingRules(defaultConfig).map((r) => r.record))];
  const queries = [
    ...records.map((name) => ({ name, expr: name })),
    { name: 'app_up', expr: `app_up{target="demo"} == 1` },
    { name: 'snapshot age', expr: `app_snapshot_age_seconds{target="demo"} < 5` },
    { name: 'health score', expr: RECORD.healthScore },
  ];
  expect(await stillEmpty(queries, 60_000)).toEqual([]);
  // The exporter's reading of the library's snapshot, as /dashboard/data shows it.
  const data = (await (await fetch(`${exporter.url}/dashboard/data`)).json()) as {
    api: { target: string; up: boolean; routes: { route: string }[]; websockets: { opened: number } | null }[];
  };
  expect(data.api[0]).toMatchObject({ target: 'demo', up: true });
  expect(data.api[0].routes.map((r) => r.route)).toEqual(expect.arrayContaining(['/orders/:id', '/reports/:id']));
  expect(data.api[0].websockets!.opened).toBeGreaterThan(0);
});
