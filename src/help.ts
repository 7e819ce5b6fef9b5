import { ENV_VARS, FLAGS } from './config/sources';
import { COLLECTOR_NAMES } from './config/schema';

export function helpText(): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  return `Usage: jobstack-exporter [flags]

Prometheus exporter for job-processing stacks: BullMQ on Redis, PostgreSQL, S3 or local storage, the host.
Settings come from flags, then environment, then a YAML file (--config or JOBSTACK_CONFIG), then defaults.

Flags:
  ${pad('--config FILE', 34)}YAML configuration file
  ${pad('--check-config', 34)}validate, print the effective config (secrets redacted), exit 0 or 2
  ${pad('--collector.NAME / --no-collector.NAME', 34)}turn a collector on or off (${COLLECTOR_NAMES.join(', ')})
${FLAGS.map((f) => `  ${pad(`--${f.flag}${f.kind === 'boolean' ? '' : ' VALUE'}`, 34)}${f.description}`).join('\n')}
  ${pad('--help', 34)}show this help
  ${pad('--version', 34)}show the version

Environment (secret ones also accept NAME_FILE):
${ENV_VARS.map((v) => `  ${pad(v.name, 22)}${v.description}`).join('\n')}
  ${pad('JOBSTACK_CONFIG', 22)}YAML configuration file.

Exit codes: 0 ok, 1 cannot start (e.g. port in use), 2 invalid configuration.
`;
}
