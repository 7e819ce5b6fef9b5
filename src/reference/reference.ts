import { COLLECTORS } from '../collectors';
import { ENV_VARS, FLAGS } from '../config/sources';
import type { MetricDef } from '../metrics/define';
import { selfMetrics } from '../metrics/self';
import { multiTargetMetrics } from '../metrics/multi-target';
import { HEALTH_PENALTIES } from '../health/penalties';
import { instrumentMetrics } from '../instrument/metrics';

/**
 * README sections generated from the code (metric definitions, env and flag tables), so the
 * reference cannot drift: `npm run docs` rewrites them and a test fails when they differ.
 */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function metricRows(defs: readonly MetricDef[]): string[] {
  return defs.map(
    (d) => `| \`${d.name}\` | ${d.type} | ${d.labels.map((l) => `\`${l}\``).join(', ')} | ${cell(d.help)} |`,
  );
}

export function metricsReference(): string {
  const out: string[] = [];
  const table = (title: string, defs: readonly MetricDef[]) => {
    out.push(`### ${title}`, '', '| metric | type | labels | meaning |', '|---|---|---|---|', ...metricRows(defs), '');
  };
  table('Exporter (always)', Object.values(selfMetrics));
  table(
    'Exporter, multi-target mode (on /metrics while `multiTarget.allow` is set)',
    Object.values(multiTargetMetrics),
  );
  for (const spec of COLLECTORS) table(`Collector \`${spec.name}\``, spec.metrics);
  out.push(
    '### Process (always)',
    '',
    "prom-client's default `process_*` and `nodejs_*` metrics, except `nodejs_active_handles_total`,",
    '`nodejs_active_requests_total` and `nodejs_active_resources_total`: gauges named like counters, which',
    '`promtool check metrics` rejects. Their labelled twins without `_total` remain.',
    '',
  );
  return out.join('\n');
}

export function envReference(): string {
  return [
    '| variable | setting | meaning |',
    '|---|---|---|',
    ...ENV_VARS.map(
      (v) => `| \`${v.name}\`${v.secret ? ` (or \`${v.name}_FILE\`)` : ''} | \`${v.path}\` | ${cell(v.description)} |`,
    ),
    '| `JOBSTACK_CONFIG` | | YAML configuration file. |',
    '| `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (each or `..._FILE`) | | S3 credentials, read by the AWS SDK default chain (also profiles, instance roles). |',
    '',
  ].join('\n');
}

export function flagReference(): string {
  return [
    '| flag | setting | meaning |',
    '|---|---|---|',
    '| `--config FILE` | | YAML configuration file. |',
    '| `--check-config` | | Validate, print the effective config with secrets redacted, exit 0 (valid) or 2. |',
    `| \`--collector.NAME\`, \`--no-collector.NAME\` | \`collectors.NAME.enabled\` | Turn a collector on or off (${COLLECTORS.map((c) => `\`${c.name}\``).join(', ')}). |`,
    ...FLAGS.map(
      (f) => `| \`--${f.flag}${f.kind === 'boolean' ? '' : ' VALUE'}\` | \`${f.path}\` | ${cell(f.description)} |`,
    ),
    '| `--help`, `--version` | | |',
    '',
  ].join('\n');
}

export function healthReference(): string {
  return [
    '| penalty | points | when |',
    '|---|---|---|',
    ...Object.entries(HEALTH_PENALTIES).map(
      ([name, p]) => `| \`${name}\` | ${p.points}${'max' in p ? ` each, at most ${p.max}` : ''} | ${cell(p.why)} |`,
    ),
    '',
  ].join('\n');
}

/** What `jobstack-exporter/instrument` registers in the app's registry. */
export function instrumentMetricsReference(): string {
  return [
    '| metric | type | labels | meaning |',
    '|---|---|---|---|',
    ...metricRows(Object.values(instrumentMetrics)),
    '',
  ].join('\n');
}

export const GENERATED_SECTIONS: Readonly<Record<string, () => string>> = {
  metrics: metricsReference,
  instrument: instrumentMetricsReference,
  env: envReference,
  flags: flagReference,
  health: healthReference,
};

/** Replaces every `<!-- generated:NAME -->...<!-- /generated:NAME -->` block in `text`. */
export function regenerate(text: string): string {
  let out = text;
  for (const [name, make] of Object.entries(GENERATED_SECTIONS)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README has no generated:${name} block`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${make()}${close}`);
  }
  return out;
}
