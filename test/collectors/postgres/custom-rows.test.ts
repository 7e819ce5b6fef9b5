import { buildCustomQuery, labelValue, mapRows, numericValue } from '../../../src/collectors/postgres/custom-rows';
import { statementBudget } from '../../../src/collectors/postgres/connection';
import type { CustomQueryConfig } from '../../../src/collectors/postgres/custom-config';

const config = (over: Partial<CustomQueryConfig> = {}): CustomQueryConfig => ({
  name: 'q',
  sql: 'SELECT status, jobs, avg_seconds FROM t;',
  maxRows: 3,
  labels: ['status'],
  metrics: [
    { column: 'jobs', name: 'app_jobs', type: 'gauge' },
    { column: 'avg_seconds', name: 'app_avg_seconds', type: 'gauge', help: 'Average.' },
  ],
  ...over,
});

describe('custom query rows -> samples', () => {
  test('wraps the statement as a capped subquery (one row over the cap), trailing semicolon dropped', () => {
    const q = buildCustomQuery(config());
    expect(q.sql).toBe(
      'SELECT * FROM (\nSELECT status, jobs, avg_seconds FROM t\n) AS jobstack_exporter_query LIMIT 4',
    );
    expect(q.columnsSql).toMatch(/LIMIT 0$/);
    expect(q.metrics.map((m) => [m.def.name, m.def.labels, m.def.help])).toEqual([
      ['app_jobs', ['status'], 'Column jobs of custom query q.'],
      ['app_avg_seconds', ['status'], 'Average.'],
    ]);
  });

  test('maps label and value columns, counting NULL, non-numeric and repeated label sets as skipped', () => {
    const q = buildCustomQuery(config());
    const mapped = mapRows(
      q,
      ['status', 'jobs', 'avg_seconds'],
      [
        { status: 'done', jobs: '12', avg_seconds: 0.25 },
        { status: 'failed', jobs: 3, avg_seconds: null },
        { status: null, jobs: 'n/a', avg_seconds: '1.5' },
      ],
    );
    expect(mapped.rows).toBe(3);
    expect(mapped.skipped).toBe(2);
    expect(mapped.samples.map((s) => [s.def.name, s.labels.status, s.value])).toEqual([
      ['app_jobs', 'done', 12],
      ['app_avg_seconds', 'done', 0.25],
      ['app_jobs', 'failed', 3],
      ['app_avg_seconds', '', 1.5],
    ]);
    const dup = mapRows(
      q,
      ['status', 'jobs', 'avg_seconds'],
      [
        { status: 'a', jobs: 1, avg_seconds: 1 },
        { status: 'a', jobs: 2, avg_seconds: 2 },
      ],
    );
    expect(dup.samples.map((s) => s.value)).toEqual([1, 1]);
    expect(dup.skipped).toBe(2);
  });

  test('fails the whole query on a missing column or more rows than the cap', () => {
    const q = buildCustomQuery(config());
    expect(() => mapRows(q, ['status', 'jobs'], [])).toThrow(
      'result has no column "avg_seconds" (columns: status, jobs)',
    );
    const rows = Array.from({ length: 4 }, (_, i) => ({ status: String(i), jobs: 1, avg_seconds: 1 }));
    expect(() => mapRows(q, ['status', 'jobs', 'avg_seconds'], rows)).toThrow('returned more than maxRows (3) rows');
    expect(mapRows(q, ['status', 'jobs', 'avg_seconds'], rows.slice(0, 3)).samples).toHaveLength(6);
  });

  test.each([
    [42, 42],
    ['9007199254740993', 9007199254740992],
    [' 1.5 ', 1.5],
    [true, 1],
    [false, 0],
    [new Date('2026-01-01T00:00:00Z'), 1767225600],
    [null, undefined],
    ['', undefined],
    ['abc', undefined],
    ['NaN', undefined],
    ['Infinity', undefined],
    [{}, undefined],
  ])('numericValue(%p) = %p', (input, expected) => {
    expect(numericValue(input)).toBe(expected);
  });

  test.each([
    [null, ''],
    ['done', 'done'],
    [7, '7'],
    [new Date('2026-01-01T00:00:00Z'), '2026-01-01T00:00:00.000Z'],
    [{ a: 1 }, '{"a":1}'],
  ])('labelValue(%p) = %p', (input, expected) => {
    expect(labelValue(input)).toBe(expected);
  });
});

describe('statement budget inside the deadline', () => {
  test.each([
    // remaining ms, cap, statement_timeout, client timeout
    [5000, undefined, 4800, 5000],
    [5000, 300, 300, 500],
    [1000, undefined, 800, 1000],
    [100, undefined, 80, 100],
  ])('remaining %p ms, cap %p: statement %p ms, client %p ms', (remaining, cap, statementMs, clientMs) => {
    expect(statementBudget(1_000_000 + remaining, 1_000_000, cap)).toEqual({ statementMs, clientMs });
  });

  test('no budget when the deadline is (nearly) reached', () => {
    expect(statementBudget(1000, 990)).toBeUndefined();
    expect(statementBudget(1000, 2000)).toBeUndefined();
  });
});
