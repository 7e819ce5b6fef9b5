import { ENV_VARS, FLAGS } from './config/sources';
import { COLLECTOR_NAMES } from './config/schema';

/** Two columns, the first as wide as its longest entry plus two spaces, so every line aligns. */
function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
}

export function helpText(): string {
  const flags: [string, string][] = [
    ['--config FILE', 'YAML configuration file'],
    ['--check-config', 'validate, print the effective config (secrets redacted), exit 0 or 2'],
    ['--collector.NAME / --no-collector.NAME', `turn a collector on or off (${COLLECTOR_NAMES.join(', ')})`],
    ...FLAGS.map((f): [string, string] => [`--${f.flag}${f.kind === 'boolean' ? '' : ' VALUE'}`, f.description]),
    ['--help', 'show this help'],
    ['--version', 'show the version'],
  ];
  const env: [string, string][] = [
    ...ENV_VARS.map((v): [string, string] => [v.name, v.description]),
    ['JOBSTACK_CONFIG', 'YAML configuration file.'],
  ];
  return `Usage: jobstack-exporter [flags]

Prometheus exporter for job-processing stacks: BullMQ on Redis, PostgreSQL, S3 or local storage, the host.
Settings come from flags, then environment, then a YAML file (--config or JOBSTACK_CONFIG), then defaults.

Flags:
${columns(flags)}

Environment (secret ones also accept NAME_FILE):
${columns(env)}

Exit codes: 0 ok, 1 cannot start (e.g. port in use), 2 invalid configuration.
`;
}
