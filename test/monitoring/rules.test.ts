import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { defaultConfig } from '../../monitoring/config';
import { alertRules, recordingRules, ruleFiles, runbookAnchor } from '../../monitoring/rules';
import { RECORDING_NAME } from '../../monitoring/rules/types';
import { tempDir } from '../harness/process';
import { ALL_CASES } from './cases';
import type { RuleCase } from './cases/types';

const cfg = defaultConfig;
const tmp = tempDir('rules');
afterAll(() => tmp.remove());
const ROOT = path.resolve(__dirname, '../..');
const RULE_FILES = ['prometheus/rules/jobstack-recording.yml', 'prometheus/rules/jobstack-alerts.yml'].map((f) =>
  path.join(ROOT, f),
);

function promtool(...args: string[]): { status: number | null; out: string } {
  const res = spawnSync('promtool', args, { encoding: 'utf8', cwd: tmp.dir });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

/** The annotations promtool must see: summary and runbook from the rule, description from the case. */
function expectedAnnotations(alert: string, severity: string, description: string): Record<string, string> {
  const rule = alertRules(cfg).find((a) => a.alert === alert && a.severity === severity);
  if (!rule) throw new Error(`no ${severity} rule ${alert}`);
  return { summary: rule.summary, description, runbook_url: `${cfg.runbookBase}#${runbookAnchor(alert)}` };
}

function promtoolTest(c: RuleCase): Record<string, unknown> {
  return {
    interval: '15s',
    name: c.name,
    input_series: c.series,
    alert_rule_test: (c.alerts ?? []).map((a) => ({
      eval_time: a.at,
      alertname: a.alert,
      exp_alerts: a.firing.map((f) => ({
        exp_labels: f.labels,
        exp_annotations: expectedAnnotations(a.alert, f.labels.severity, f.description),
      })),
    })),
    promql_expr_test: (c.exprs ?? []).map((e) => ({ expr: e.expr, eval_time: e.at, exp_samples: e.expect })),
  };
}

describe('Prometheus rules', () => {
  test('promtool check rules accepts the committed rule files', () => {
    const res = promtool('check', 'rules', ...RULE_FILES);
    expect(res.out).not.toMatch(/FAILED|error/i);
    expect(res.status).toBe(0);
  });

  test('recording rules follow level:metric:operations', () => {
    for (const r of recordingRules(cfg)) expect(r.record).toMatch(RECORDING_NAME);
  });

  test('alerts carry severity, component, summary, description and a runbook', () => {
    for (const a of alertRules(cfg)) {
      expect(a.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(a.alert === 'Watchdog' ? ['none'] : ['critical', 'warning', 'info']).toContain(a.severity);
      expect(a.summary.length).toBeGreaterThan(5);
      expect(a.description.length).toBeGreaterThan(10);
      expect(a.runbook.checks).toHaveLength(3);
    }
  });

  test("runbook links point at docs/runbooks.md in package.json's repository, as committed", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      repository?: { type: string; url: string };
    };
    expect(pkg.repository).toEqual({ type: 'git', url: 'https://github.com/jobstack/jobstack-exporter.git' });
    const web = pkg.repository!.url.replace(/\.git$/, '');
    expect(cfg.runbookBase).toBe(`${web}/blob/main/docs/runbooks.md`);
    const committed = readFileSync(RULE_FILES[1], 'utf8');
    expect(committed).toContain(`runbook_url: ${web}/blob/main/docs/runbooks.md#redisdown`);
  });

  test('every alert has a firing and a non-firing case; every recording rule an expected value', () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    const recorded = new Set<string>();
    for (const c of ALL_CASES) {
      for (const a of c.alerts ?? []) {
        if (a.firing.length) a.firing.forEach((f) => firing.add(`${a.alert}/${f.labels.severity}`));
        else quiet.add(a.alert);
      }
      for (const e of c.exprs ?? [])
        if (e.expect.length) recorded.add(/[a-z_]+:[a-z0-9_]+(?::[a-z0-9_]+)?/.exec(e.expr)?.[0] ?? e.expr);
    }
    for (const a of alertRules(cfg)) {
      expect({ alert: a.alert, severity: a.severity, fires: firing.has(`${a.alert}/${a.severity}`) }).toEqual({
        alert: a.alert,
        severity: a.severity,
        fires: true,
      });
      // The Watchdog heartbeat fires by design, always.
      if (a.alert !== 'Watchdog')
        expect({ alert: a.alert, quietCase: quiet.has(a.alert) }).toEqual({ alert: a.alert, quietCase: true });
    }
    for (const r of recordingRules(cfg))
      expect({ record: r.record, tested: recorded.has(r.record) }).toEqual({ record: r.record, tested: true });
  });

  test('promtool test rules: every case passes', () => {
    const files = ruleFiles(cfg) as { recording: unknown; alerts: unknown };
    writeFileSync(path.join(tmp.dir, 'recording.yml'), stringify(files.recording));
    writeFileSync(path.join(tmp.dir, 'alerts.yml'), stringify(files.alerts));
    writeFileSync(
      path.join(tmp.dir, 'tests.yml'),
      stringify(
        { rule_files: ['recording.yml', 'alerts.yml'], evaluation_interval: '15s', tests: ALL_CASES.map(promtoolTest) },
        { lineWidth: 0 },
      ),
    );
    const res = promtool('test', 'rules', 'tests.yml');
    expect(res.out).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });
});
