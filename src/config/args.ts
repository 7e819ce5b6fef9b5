import { FLAGS, convert } from './sources';
import { ConfigError } from './errors';

export interface CliArgs {
  readonly configFile?: string;
  readonly checkConfig: boolean;
  readonly help: boolean;
  readonly version: boolean;
  readonly overrides: readonly { path: string; value: unknown; source: string }[];
  readonly collectorToggles: readonly { name: string; enabled: boolean; source: string }[];
}

/**
 * Parses `--flag value`, `--flag=value`, `--collector.<name>` and `--no-collector.<name>`.
 * Unknown flags are config errors (exit 2), like any other bad setting.
 */
export function parseArgs(argv: readonly string[]): CliArgs {
  const problems: string[] = [];
  const overrides: { path: string; value: unknown; source: string }[] = [];
  const collectorToggles: { name: string; enabled: boolean; source: string }[] = [];
  let configFile: string | undefined;
  let checkConfig = false;
  let help = false;
  let version = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`unexpected argument "${arg}" (flags start with --; see --help)`);
      continue;
    }
    const [, name, inline] = match as unknown as [string, string, string | undefined];
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        problems.push(`--${name}: needs a value`);
        return undefined;
      }
      i++;
      return next;
    };
    const toggle = /^(no-)?collector\.(.+)$/.exec(name);
    if (toggle) {
      collectorToggles.push({ name: toggle[2], enabled: !toggle[1], source: `flag --${name}` });
    } else if (name === 'help' || name === 'h') {
      help = true;
    } else if (name === 'version') {
      version = true;
    } else if (name === 'check-config') {
      checkConfig = true;
    } else if (name === 'config') {
      configFile = takeValue();
    } else {
      const flag = FLAGS.find((f) => f.flag === name);
      if (!flag) {
        problems.push(`--${name}: unknown flag (see --help)`);
        continue;
      }
      const value = flag.kind === 'boolean' && inline === undefined ? 'true' : takeValue();
      if (value !== undefined)
        overrides.push({ path: flag.path, value: convert(flag.kind, value), source: `flag --${name}` });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { configFile, checkConfig, help, version, overrides, collectorToggles };
}
