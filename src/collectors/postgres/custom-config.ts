import { z } from 'zod';
import { duration } from '../../config/fields';

/**
 * Config of custom SQL metrics (`collectors.postgres.queries`), checked at startup so a typo
 * stops the exporter with exit 2 instead of producing a broken or lint-failing exposition.
 * Whether the configured columns exist is checked against the database when it is reachable
 * at startup (`PostgresCollector.validate`), and on every run.
 */

const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const QUERY_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

/**
 * Prefixes of the exporter's own families (this collector's `pg_`, the other collectors', the
 * runner's and prom-client's): a custom metric may not take one, so names never collide.
 */
export const RESERVED_PREFIXES = [
  'pg_',
  'jobstack_exporter_',
  'host_',
  'redis_',
  'bullmq_',
  's3_',
  'localstorage_',
  'probe_',
  'probes_',
  'process_',
  'nodejs_',
  'app_snapshot_',
] as const;
/** Built-in names outside those prefixes: `app_up` sits in the `app_` namespace custom queries use. */
export const RESERVED_NAMES: readonly string[] = ['app_up'];

/** Suffixes promtool reserves for histograms and summaries, or that need a specific type. */
const RESERVED_SUFFIXES = ['_bucket', '_count', '_sum', '_created', '_info'] as const;

/** A single read statement: what the exporter wraps as a subquery to cap its rows. */
const READ_STATEMENT = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(select|with|values|table)\b/i;

export function customQueriesSchema() {
  const metric = z
    .object({
      /** Result column holding the value. */
      column: z.string().min(1),
      name: z.string().min(1).max(200),
      help: z.string().min(1).max(500).optional(),
      type: z.enum(['gauge', 'counter']).default('gauge'),
    })
    .strict();
  const query = z
    .object({
      /** The `query` label of pg_custom_query_* and the name in log lines. */
      name: z.string().regex(QUERY_NAME, 'use 1-64 letters, digits, _ . or -'),
      sql: z.string().min(1).regex(READ_STATEMENT, 'must be one SELECT, WITH, VALUES or TABLE statement'),
      /** Bounded by what is left of the scrape deadline. */
      timeout: duration(50, 120_000).optional(),
      /** More rows than this and the query reports failure instead of a partial result. */
      maxRows: z.number().int().min(1).max(100_000).default(100),
      /** Result columns whose text becomes a label of every metric of this query. */
      labels: z.array(z.string()).default([]),
      metrics: z.array(metric).min(1),
    })
    .strict();
  return z
    .array(query)
    .default([])
    .superRefine((queries, ctx) => {
      const problem = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
      const queryNames = new Set<string>();
      const metricNames = new Map<string, string>();
      queries.forEach((q, qi) => {
        if (queryNames.has(q.name)) problem([qi, 'name'], `duplicate query name "${q.name}"`);
        queryNames.add(q.name);
        const labels = new Set<string>();
        q.labels.forEach((label, li) => {
          if (!LABEL_NAME.test(label) || label.startsWith('__'))
            problem(
              [qi, 'labels', li],
              `"${label}" is not a valid label name (letters, digits, _; not starting with __)`,
            );
          if (labels.has(label)) problem([qi, 'labels', li], `label column "${label}" listed twice`);
          labels.add(label);
        });
        const columns = new Set<string>();
        q.metrics.forEach((mt, mi) => {
          const at = (key: string) => [qi, 'metrics', mi, key];
          if (labels.has(mt.column)) problem(at('column'), `column "${mt.column}" is also a label column`);
          if (columns.has(mt.column)) problem(at('column'), `column "${mt.column}" mapped twice in this query`);
          columns.add(mt.column);
          const nameProblem = metricNameProblem(mt.name, mt.type);
          if (nameProblem) problem(at('name'), nameProblem);
          const other = metricNames.get(mt.name);
          if (other !== undefined) problem(at('name'), `metric "${mt.name}" is already defined by query "${other}"`);
          metricNames.set(mt.name, q.name);
        });
      });
    });
}

/** Why a custom metric name cannot be used, or undefined when it can. */
export function metricNameProblem(name: string, type: 'gauge' | 'counter'): string | undefined {
  if (!METRIC_NAME.test(name))
    return `"${name}" is not a valid metric name (letters, digits and _, not starting with a digit)`;
  const reserved = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (reserved)
    return `"${name}" uses the prefix ${reserved}, reserved for the exporter's own metrics; use your application's prefix`;
  if (RESERVED_NAMES.includes(name)) return `"${name}" is one of the exporter's own metrics; choose another name`;
  if (type === 'counter' && !name.endsWith('_total')) return `"${name}" is a counter, so its name must end in _total`;
  if (type === 'gauge' && name.endsWith('_total'))
    return `"${name}" ends in _total, which only counters may (set type: counter)`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `"${name}" ends in ${suffix}, which Prometheus reserves for other metric types`;
  return undefined;
}

export type CustomQueryConfig = z.output<ReturnType<typeof customQueriesSchema>>[number];
