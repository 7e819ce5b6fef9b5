import type { FamilySamples, Labels } from './batch';
import type { MetricType } from './define';

/**
 * Exposition in the Prometheus text format 0.0.4 and OpenMetrics 1.0. Written here rather than
 * through prom-client's Registry because prom-client renames registered counters in place when it
 * renders OpenMetrics (`standardizeCounterName` mutates `metric.name`), so one registry cannot serve
 * both formats, and it does not escape quotes in OpenMetrics HELP.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** One family ready to print: sample names already carry their suffixes (_total, _bucket, ...). */
export interface ExpositionFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly { name: string; labels: Labels; value: number }[];
}

/** Picks the format from an Accept header, as Prometheus negotiates it. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string, format: ExpositionFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Converts a collector batch family into printable samples. */
export function toExpositionFamily(family: FamilySamples): ExpositionFamily {
  const { def } = family;
  const samples: { name: string; labels: Labels; value: number }[] = [];
  for (const s of family.samples.values()) samples.push({ name: def.name, labels: s.labels, value: s.value });
  for (const { labels, value } of family.histograms.values()) {
    const bounds = def.buckets ?? [];
    bounds.forEach((le, i) => {
      samples.push({ name: `${def.name}_bucket`, labels: { ...labels, le: formatValue(le) }, value: value.bucketCounts[i] ?? 0 });
    });
    samples.push({ name: `${def.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: value.count });
    samples.push({ name: `${def.name}_sum`, labels, value: value.sum });
    samples.push({ name: `${def.name}_count`, labels, value: value.count });
  }
  return { name: def.name, help: def.help, type: def.type, samples };
}

/** Family name and TYPE word as each format spells them. */
function header(family: ExpositionFamily, format: ExpositionFormat): { name: string; type: string } {
  if (format === 'prometheus') {
    return { name: family.name, type: family.type === 'info' ? 'gauge' : family.type };
  }
  if (family.type === 'counter') return { name: family.name.replace(/_total$/, ''), type: 'counter' };
  if (family.type === 'info') return { name: family.name.replace(/_info$/, ''), type: 'info' };
  return { name: family.name, type: family.type };
}

/** Renders families in order; families without samples are left out entirely. */
export function render(families: Iterable<ExpositionFamily>, format: ExpositionFormat): string {
  const out: string[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    const { name, type } = header(family, format);
    out.push(`# HELP ${name} ${escapeHelp(family.help, format)}`);
    out.push(`# TYPE ${name} ${type}`);
    for (const s of family.samples) out.push(`${s.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return out.length ? `${out.join('\n')}\n` : '';
}
