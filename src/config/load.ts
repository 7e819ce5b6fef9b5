import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ZodIssue } from 'zod';
import { configSchema, COLLECTOR_NAMES, type Config } from './schema';
import { AWS_SECRET_VARS, ENV_VARS, convert, readEnvSecret } from './sources';
import type { CliArgs } from './args';
import { ConfigError } from './errors';
import { loadWebSecurity, type WebSecurity } from './web-config';

export interface LoadedConfig {
  readonly config: Readonly<Config>;
  readonly file?: string;
  /** Config path -> where its value came from, for messages ("env REDIS_URL"). */
  readonly sources: ReadonlyMap<string, string>;
  /** TLS, users and token from the web config file and JOBSTACK_BEARER_TOKEN. */
  readonly security: WebSecurity;
  /** AWS keys when one came from an `AWS_*_FILE` variable: handed to the S3 client (process.env is never written). */
  readonly awsCredentials?: AwsCredentials;
  /** Every secret value the config holds (passwords, tokens, keys), for the process's Redactor. */
  readonly secrets: readonly string[];
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * The AWS keys from `AWS_*` or `AWS_*_FILE`. Keys given only as variables are left to the SDK's
 * default chain, which reads them itself; keys from a file are returned as explicit credentials.
 */
function readAwsKeys(env: NodeJS.ProcessEnv, problems: string[]): { secrets: string[]; credentials?: AwsCredentials } {
  const values = new Map<string, string>();
  let fromFile = false;
  for (const name of AWS_SECRET_VARS) {
    const { value, problem } = readEnvSecret(env, name);
    if (problem) problems.push(`storage.s3: ${problem}`);
    else if (value !== undefined) {
      values.set(name, value);
      if (env[name] === undefined) fromFile = true;
    }
  }
  const [accessKeyId, secretAccessKey, sessionToken] = AWS_SECRET_VARS.map((name) => values.get(name));
  const secrets = [secretAccessKey, sessionToken].filter((v): v is string => v !== undefined);
  if (!fromFile || !accessKeyId || !secretAccessKey) return { secrets };
  return { secrets, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1]] = value;
}

function readYaml(file: string, problems: string[]): Tree {
  let text: string;
  try {
    // fatal: bytes that are not UTF-8 (a binary file, UTF-16) are named as such, not parsed as text.
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(
      `config file ${file}: ${err instanceof TypeError && code === 'ERR_ENCODING_INVALID_ENCODED_DATA' ? 'is not UTF-8 text (a binary file?)' : `cannot read (${code ?? 'error'})`}`,
    );
    return {};
  }
  if (text.includes('\0')) {
    problems.push(`config file ${file}: is not a text file (it holds NUL bytes)`);
    return {};
  }
  if (text.trim() === '') {
    problems.push(`config file ${file}: is empty (remove --config, or give at least one setting)`);
    return {};
  }
  try {
    const doc: unknown = parseYaml(text, { prettyErrors: false });
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      problems.push(`config file ${file}: top level must be a mapping of settings`);
      return {};
    }
    return doc as Tree;
  } catch (err) {
    // Only the line and the error code: the parser's own message quotes the source, which may hold a secret.
    const where = err instanceof YAMLParseError ? ` at line ${text.slice(0, err.pos[0]).split('\n').length}` : '';
    // Aliases are resolved after parsing, with their own errors (an alias bomb, an undefined anchor).
    const alias = err instanceof ReferenceError && /alias/i.test(err.message);
    const reason =
      err instanceof YAMLParseError ? err.code : alias ? 'aliases: too many, or one without its anchor' : 'unreadable';
    problems.push(`config file ${file}: YAML syntax error${where} (${reason})`);
    return {};
  }
}

function describeIssue(issue: ZodIssue, sources: ReadonlyMap<string, string>): string[] {
  const path = issue.path.join('.');
  // The source of the setting or of the nearest setting above it (an element of a list from PROBE_TARGETS).
  const from = (p: string) => {
    for (let parts = p.split('.'); parts.length; parts.pop()) {
      const source = sources.get(parts.join('.'));
      if (source) return ` (from ${source})`;
    }
    return '';
  };
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const full = path ? `${path}.${key}` : key;
      return `${full}: unknown setting${from(full)}`;
    });
  }
  return [`${path || '(top level)'}: ${issue.message}${from(path)}`];
}

/** Every secret the config holds, so main's Redactor keeps them out of every log line and answer. */
function configSecrets(config: Config, env: NodeJS.ProcessEnv, awsSecrets: readonly string[]): string[] {
  const urls = [
    // redis.url may list several seed nodes, separated by commas.
    ...(config.redis.url?.split(',') ?? []),
    config.postgres.url,
    config.alertmanager.url,
    // Basic-auth credentials in a target's URL are sent, never shown.
    ...config.collectors.probes.targets.map((t) => t.url),
    ...config.collectors.app.targets.map((t) => t.url),
  ];
  const secrets: (string | undefined)[] = [];
  for (const value of urls.map((u) => u?.trim())) {
    if (!value) continue;
    try {
      secrets.push(new URL(value).password);
    } catch {
      /* validated already */
    }
  }
  secrets.push(config.redis.password, config.web.bearerToken, config.postgres.password, ...awsSecrets);
  // Without a URL, pg reads libpq's variables; their password must not reach a log line either.
  secrets.push(env.PGPASSWORD);
  return secrets.filter((v): v is string => Boolean(v));
}

/**
 * Builds the effective config: defaults < YAML file < environment < flags, validated once.
 * Reads `env`, never writes it.
 */
export function loadConfig(args: CliArgs, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: string[] = [];
  const sources = new Map<string, string>();
  const file = args.configFile ?? env.JOBSTACK_CONFIG;
  const raw: Tree = file ? readYaml(file, problems) : {};
  if (file) for (const key of Object.keys(raw)) sources.set(key, `config file`);

  for (const v of ENV_VARS) {
    const { value, problem } = v.secret ? readEnvSecret(env, v.name) : { value: env[v.name] };
    if (problem) problems.push(`${v.path}: ${problem}`);
    if (value === undefined || value === '') continue;
    setPath(raw, v.path, convert(v.kind, value));
    sources.set(v.path, `env ${v.name}${v.secret && env[`${v.name}_FILE`] ? '_FILE' : ''}`);
  }
  const aws = readAwsKeys(env, problems);
  for (const o of args.overrides) {
    setPath(raw, o.path, o.value);
    sources.set(o.path, o.source);
  }
  for (const t of args.collectorToggles) {
    if (!(COLLECTOR_NAMES as string[]).includes(t.name)) {
      problems.push(`collectors.${t.name}: unknown collector in ${t.source} (known: ${COLLECTOR_NAMES.join(', ')})`);
      continue;
    }
    setPath(raw, `collectors.${t.name}.enabled`, t.enabled);
    sources.set(`collectors.${t.name}.enabled`, t.source);
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, sources)));
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  const web = loadWebSecurity(parsed.data.web.configFile, parsed.data.web.bearerToken);
  if (!web.security) throw new ConfigError(web.problems);
  return {
    config: deepFreeze(parsed.data),
    file,
    sources,
    security: web.security,
    secrets: configSecrets(parsed.data, env, aws.secrets),
    ...(aws.credentials ? { awsCredentials: aws.credentials } : {}),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
