import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseArgs } from '../../../src/config/args';
import { ConfigError } from '../../../src/config/errors';
import { loadConfig } from '../../../src/config/load';
import { COLLECTORS } from '../../../src/collectors';
import { RESERVED_NAMES, RESERVED_PREFIXES, metricNameProblem } from '../../../src/collectors/postgres/custom-config';
import { tempDir } from '../../harness/process';

const tmp = tempDir('pgconfig');
afterAll(() => tmp.remove());

const good = {
  name: 'jobs_by_status',
  sql: "SELECT status, count(*) AS jobs FROM jobs WHERE created_at > now() - interval '1 hour' GROUP BY status",
  labels: ['status'],
  metrics: [{ column: 'jobs', name: 'app_jobs_last_hour', help: 'Jobs created in the last hour, by status.' }],
};

/** Loads a config file holding these queries; returns the problems (exit 2) or [] when valid. */
function problemsOf(queries: unknown[]): string[] {
  const file = path.join(tmp.dir, `q${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, stringify({ collectors: { postgres: { queries } } }));
  try {
    loadConfig(parseArgs(['--config', file]), {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

describe('custom SQL metrics: startup validation (exit 2)', () => {
  test('a good query loads, with defaults for type, maxRows and timeout', () => {
    expect(problemsOf([good])).toEqual([]);
    const file = path.join(tmp.dir, 'good.yml');
    writeFileSync(file, stringify({ collectors: { postgres: { queries: [{ ...good, timeout: '2s' }] } } }));
    const q = loadConfig(parseArgs(['--config', file]), {}).config.collectors.postgres.queries[0];
    expect(q).toMatchObject({ maxRows: 100, timeout: 2000, metrics: [{ type: 'gauge' }] });
  });

  test.each([
    [
      'invalid metric name',
      [{ ...good, metrics: [{ column: 'jobs', name: 'app-jobs' }] }],
      /queries\.0\.metrics\.0\.name: "app-jobs" is not a valid metric name/,
    ],
    [
      'counter without _total',
      [{ ...good, metrics: [{ column: 'jobs', name: 'app_jobs', type: 'counter' }] }],
      /must end in _total/,
    ],
    ['gauge with _total', [{ ...good, metrics: [{ column: 'jobs', name: 'app_jobs_total' }] }], /only counters may/],
    ['reserved suffix', [{ ...good, metrics: [{ column: 'jobs', name: 'app_jobs_count' }] }], /ends in _count/],
    ['reserved prefix', [{ ...good, metrics: [{ column: 'jobs', name: 'pg_jobs' }] }], /prefix pg_, reserved/],
    [
      'invalid label name',
      [{ ...good, labels: ['job status'] }],
      /queries\.0\.labels\.0: "job status" is not a valid label name/,
    ],
    ['label starting with __', [{ ...good, labels: ['__name'] }], /not a valid label name/],
    ['label listed twice', [{ ...good, labels: ['status', 'status'] }], /listed twice/],
    ['value column also a label', [{ ...good, labels: ['status', 'jobs'] }], /"jobs" is also a label column/],
    [
      'value column mapped twice',
      [{ ...good, metrics: [...good.metrics, { column: 'jobs', name: 'app_jobs_again' }] }],
      /mapped twice/,
    ],
    [
      'duplicate metric across queries',
      [good, { ...good, name: 'other' }],
      /queries\.1\.metrics\.0\.name: metric "app_jobs_last_hour" is already defined by query "jobs_by_status"/,
    ],
    [
      'duplicate query name',
      [good, { ...good, metrics: [{ column: 'jobs', name: 'app_other' }] }],
      /duplicate query name/,
    ],
    [
      'not a read statement',
      [{ ...good, sql: 'DELETE FROM jobs' }],
      /queries\.0\.sql: must be one SELECT, WITH, VALUES or TABLE statement/,
    ],
    ['no metrics', [{ ...good, metrics: [] }], /queries\.0\.metrics/],
    ['unknown key', [{ ...good, colums: [] }], /queries\.0\.colums: unknown setting/],
    ['bad timeout', [{ ...good, timeout: 'soon' }], /queries\.0\.timeout: "soon" is not a duration/],
    ['row cap out of range', [{ ...good, maxRows: 0 }], /queries\.0\.maxRows/],
  ])('%s', (_name, queries, message) => {
    const problems = problemsOf(queries);
    expect(problems.join('\n')).toMatch(message);
    for (const p of problems) expect(p).toMatch(/^collectors\.postgres\.queries\./);
  });

  test('reads WITH, VALUES and commented statements as read statements', () => {
    for (const sql of [
      'WITH x AS (SELECT 1 AS v) SELECT v FROM x',
      'VALUES (1)',
      '-- jobs\n/* by status */ select 1 AS jobs',
    ]) {
      expect(problemsOf([{ ...good, sql, labels: [] }])).toEqual([]);
    }
  });

  test('every built-in metric name uses a reserved prefix, so custom names cannot collide', () => {
    for (const spec of COLLECTORS) {
      for (const def of spec.metrics)
        expect({
          name: def.name,
          reserved: RESERVED_PREFIXES.some((p) => def.name.startsWith(p)) || RESERVED_NAMES.includes(def.name),
        }).toEqual({ name: def.name, reserved: true });
    }
    expect(metricNameProblem('app_up', 'gauge')).toMatch(/one of the exporter's own metrics/);
    expect(metricNameProblem('app_jobs', 'gauge')).toBeUndefined();
    expect(metricNameProblem('app_failures_total', 'counter')).toBeUndefined();
  });
});
