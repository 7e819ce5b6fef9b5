import { finiteNumber } from '../../metrics/finite-number';
import { defineMetric, type MetricDef } from '../../metrics/define';
import type { Labels } from '../../metrics/batch';
import type { CustomQueryConfig } from './custom-config';

/** A configured query with its metric definitions, built once at startup. */
export interface CustomQuery {
  readonly config: CustomQueryConfig;
  /** Value column -> metric. */
  readonly metrics: readonly { readonly column: string; readonly def: MetricDef<string, 'gauge' | 'counter'> }[];
  /** The statement actually run: the configured one as a subquery, capped at maxRows + 1. */
  readonly sql: string;
  /** The same returning no rows: its result columns, checked at startup. */
  readonly columnsSql: string;
}

export function buildCustomQuery(config: CustomQueryConfig): CustomQuery {
  const metrics = config.metrics.map((mt) => ({
    column: mt.column,
    def: defineMetric({
      name: mt.name,
      help: mt.help ?? `Column ${mt.column} of custom query ${config.name}.`,
      type: mt.type,
      labels: config.labels,
    }),
  }));
  const body = config.sql.trim().replace(/;\s*$/, '');
  // As a subquery the statement cannot modify data (data-modifying WITH must be top level), and
  // one more row than the cap tells "exactly at the cap" from "over it" without fetching the rest.
  const limited = (n: number) => `SELECT * FROM (\n${body}\n) AS jobstack_exporter_query LIMIT ${n}`;
  return { config, metrics, sql: limited(config.maxRows + 1), columnsSql: limited(0) };
}

export interface MappedSample {
  readonly def: MetricDef<string, 'gauge' | 'counter'>;
  readonly labels: Labels;
  readonly value: number;
}

export interface MappedRows {
  readonly samples: readonly MappedSample[];
  readonly rows: number;
  /** Values left out: NULL, not numeric, or a label set already seen. */
  readonly skipped: number;
}

/** Columns the query must return that it does not, given the columns it did return. */
export function missingColumns(query: CustomQuery, columns: readonly string[]): string[] {
  const have = new Set(columns);
  return [...query.config.labels, ...query.metrics.map((mt) => mt.column)].filter((c) => !have.has(c));
}

/**
 * Rows to samples. A missing column or too many rows fail the whole query (a partial result
 * would be a wrong sum); a bad value only drops that value, and a repeated label set keeps
 * the first row, so one odd row never hides the rest.
 */
export function mapRows(
  query: CustomQuery,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): MappedRows {
  const missing = missingColumns(query, columns);
  if (missing.length)
    throw new Error(
      `result has no column ${missing.map((c) => `"${c}"`).join(', ')} (columns: ${columns.join(', ') || 'none'})`,
    );
  if (rows.length > query.config.maxRows) throw new Error(`returned more than maxRows (${query.config.maxRows}) rows`);
  const samples: MappedSample[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const row of rows) {
    const labels: Record<string, string> = {};
    for (const column of query.config.labels) labels[column] = labelValue(row[column]);
    const key = JSON.stringify(query.config.labels.map((c) => labels[c]));
    if (seen.has(key)) {
      skipped += query.metrics.length;
      continue;
    }
    seen.add(key);
    for (const { column, def } of query.metrics) {
      const value = numericValue(row[column]);
      if (value === undefined) skipped++;
      else samples.push({ def, labels, value });
    }
  }
  return { samples, rows: rows.length, skipped };
}

/** Label text for a column value: NULL is the empty label (the same as no label in PromQL). */
export function labelValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return ''; // pg returns no other kinds of value
}

/**
 * A sample value from a column value: numbers, int8/numeric text, booleans (1/0) and
 * timestamps (Unix seconds). NULL, NaN, infinities and other text give undefined.
 */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return finiteNumber(value.getTime() / 1000);
  return finiteNumber(value);
}
