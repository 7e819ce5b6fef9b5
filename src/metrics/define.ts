/**
 * Metric definitions: name, help, type and label names, declared once per collector
 * (`src/collectors/<name>/metrics.ts`) and imported by the collector, the tests, the
 * README generator and the monitoring mixin, so a renamed metric breaks the build everywhere.
 */

/** `info` renders as a gauge of value 1 in the Prometheus text format and as `info` in OpenMetrics. */
export type MetricType = 'gauge' | 'counter' | 'histogram' | 'info';

export interface MetricDef<L extends string = string, T extends MetricType = MetricType> {
  readonly name: string;
  readonly help: string;
  readonly type: T;
  readonly labels: readonly L[];
  /** Histogram upper bounds, ascending, without +Inf. */
  readonly buckets?: readonly number[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Checks the conventions `promtool check metrics` enforces, at definition time. */
export function defineMetric<const L extends string, const T extends MetricType>(
  def: MetricDef<L, T>,
): MetricDef<L, T> {
  if (!METRIC_NAME.test(def.name)) throw new Error(`invalid metric name ${def.name}`);
  for (const label of def.labels) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`${def.name}: invalid label ${label}`);
  }
  const isCounter = def.type === 'counter';
  if (isCounter !== def.name.endsWith('_total')) {
    throw new Error(`${def.name}: only counters end in _total, and counters must`);
  }
  if ((def.type === 'info') !== def.name.endsWith('_info')) {
    throw new Error(`${def.name}: info metrics, and only they, end in _info`);
  }
  if (def.type === 'histogram' && !def.buckets?.length) throw new Error(`${def.name}: histogram needs buckets`);
  return Object.freeze({ ...def, labels: Object.freeze([...def.labels]) });
}

/** Declares a collector's metrics as one frozen record, keyed by short names. */
export function defineMetrics<const M extends Record<string, MetricDef>>(defs: M): Readonly<M> {
  const seen = new Set<string>();
  for (const def of Object.values(defs)) {
    if (seen.has(def.name)) throw new Error(`duplicate metric ${def.name}`);
    seen.add(def.name);
  }
  return Object.freeze(defs);
}
