import { readFileSync } from 'node:fs';

/**
 * Where each setting can come from besides the YAML file: environment variables and flags,
 * as tables from name to config path. Secret-bearing variables also accept `<NAME>_FILE`.
 */
export type ValueKind = 'string' | 'boolean' | 'list' | 'number';

export interface EnvVar {
  readonly name: string;
  readonly path: string;
  readonly kind: ValueKind;
  readonly secret?: boolean;
  readonly description: string;
}

export const ENV_VARS: readonly EnvVar[] = [
  { name: 'JOBSTACK_LISTEN', path: 'listen', kind: 'string', description: 'Address to serve on (host:port).' },
  { name: 'JOBSTACK_LOG_LEVEL', path: 'logLevel', kind: 'string', description: 'debug, info, warn or error.' },
  {
    name: 'JOBSTACK_WEB_CONFIG',
    path: 'web.configFile',
    kind: 'string',
    description: 'Web config file (TLS, basic auth), the format Prometheus exporters use.',
  },
  {
    name: 'JOBSTACK_BEARER_TOKEN',
    path: 'web.bearerToken',
    kind: 'string',
    secret: true,
    description: 'Require `Authorization: Bearer <token>` on every endpoint but /health.',
  },
  {
    name: 'REDIS_URL',
    path: 'redis.url',
    kind: 'string',
    secret: true,
    description:
      'redis:// or rediss:// URL, with user, password and database number if needed; several, comma-separated, for Redis Cluster seed nodes.',
  },
  {
    name: 'REDIS_CLUSTER',
    path: 'redis.cluster',
    kind: 'boolean',
    description: 'Whether Redis is a Redis Cluster; unset: asked at the first collection (INFO cluster_enabled).',
  },
  {
    name: 'REDIS_PASSWORD',
    path: 'redis.password',
    kind: 'string',
    secret: true,
    description: 'Redis password, overriding any in REDIS_URL.',
  },
  { name: 'BULLMQ_PREFIX', path: 'bullmq.prefix', kind: 'string', description: 'BullMQ key prefix.' },
  {
    name: 'BULLMQ_QUEUES',
    path: 'bullmq.queues',
    kind: 'list',
    description: 'Comma-separated queue names; empty discovers them.',
  },
  {
    name: 'DATABASE_URL',
    path: 'postgres.url',
    kind: 'string',
    secret: true,
    description: 'postgres:// URL of the job database.',
  },
  {
    name: 'DATABASE_PASSWORD',
    path: 'postgres.password',
    kind: 'string',
    secret: true,
    description: 'PostgreSQL password, overriding any in DATABASE_URL.',
  },
  {
    name: 'STORAGE_PATH',
    path: 'storage.path',
    kind: 'string',
    description: 'Local folder where the application keeps files.',
  },
  {
    name: 'S3_BUCKET',
    path: 'storage.s3.bucket',
    kind: 'string',
    description: 'S3 bucket where the application keeps files.',
  },
  {
    name: 'S3_ENDPOINT',
    path: 'storage.s3.endpoint',
    kind: 'string',
    description: 'S3-compatible endpoint URL (empty for AWS).',
  },
  { name: 'S3_REGION', path: 'storage.s3.region', kind: 'string', description: 'S3 region.' },
  {
    name: 'S3_FORCE_PATH_STYLE',
    path: 'storage.s3.forcePathStyle',
    kind: 'boolean',
    description: 'Path-style S3 addressing (most S3-compatible servers).',
  },
  {
    name: 'ALERTMANAGER_URL',
    path: 'alertmanager.url',
    kind: 'string',
    secret: true,
    description:
      'Alertmanager whose firing alerts and silences /dashboard shows (read-only); may hold basic-auth credentials.',
  },
  {
    name: 'JOBSTACK_PATH_PROCFS',
    path: 'collectors.host.procPath',
    kind: 'string',
    description: "The host's /proc as the exporter sees it (a container: /host/proc, mounted read-only).",
  },
  {
    name: 'JOBSTACK_PATH_ROOTFS',
    path: 'collectors.host.rootPath',
    kind: 'string',
    description: "The host's / as the exporter sees it (a container: /host/root, mounted read-only).",
  },
  {
    name: 'PROBE_TARGETS',
    path: 'collectors.probes.targets',
    kind: 'list',
    secret: true,
    description: 'Comma-separated name=url pairs of health endpoints to probe (URLs may hold credentials).',
  },
  {
    name: 'APP_TARGETS',
    path: 'collectors.app.targets',
    kind: 'list',
    secret: true,
    description:
      "Comma-separated name=url pairs of instrumented apps' JSON snapshots (`APP_TARGETS_FILE`: one per line).",
  },
];

/** AWS credentials stay with the SDK's default chain; `_FILE` variants are read into it. */
export const AWS_SECRET_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

export interface Flag {
  readonly flag: string;
  readonly path: string;
  readonly kind: ValueKind;
  readonly description: string;
}

export const FLAGS: readonly Flag[] = [
  { flag: 'web.listen-address', path: 'listen', kind: 'string', description: 'Address to serve on (host:port).' },
  { flag: 'log.level', path: 'logLevel', kind: 'string', description: 'debug, info, warn or error.' },
  {
    flag: 'web.config.file',
    path: 'web.configFile',
    kind: 'string',
    description: 'Web config file (TLS, basic auth).',
  },
  {
    flag: 'web.max-requests',
    path: 'web.maxRequests',
    kind: 'number',
    description: 'Concurrent /metrics, /dashboard/data and /health/detailed requests served, together; more get 503.',
  },
  {
    flag: 'scrape.default-timeout',
    path: 'scrape.defaultTimeout',
    kind: 'string',
    description: 'Scrape timeout assumed when Prometheus sends none.',
  },
  {
    flag: 'scrape.timeout-offset',
    path: 'scrape.timeoutOffset',
    kind: 'string',
    description: 'Time kept back from the scrape timeout.',
  },
  { flag: 'bullmq.prefix', path: 'bullmq.prefix', kind: 'string', description: 'BullMQ key prefix.' },
  { flag: 'bullmq.queues', path: 'bullmq.queues', kind: 'list', description: 'Comma-separated queue names.' },
  { flag: 'storage.path', path: 'storage.path', kind: 'string', description: 'Local storage folder.' },
  { flag: 's3.bucket', path: 'storage.s3.bucket', kind: 'string', description: 'S3 bucket.' },
  { flag: 's3.endpoint', path: 'storage.s3.endpoint', kind: 'string', description: 'S3-compatible endpoint URL.' },
  { flag: 's3.region', path: 'storage.s3.region', kind: 'string', description: 'S3 region.' },
  {
    flag: 'path.procfs',
    path: 'collectors.host.procPath',
    kind: 'string',
    description: "The host's /proc (node_exporter's flag).",
  },
  {
    flag: 'path.rootfs',
    path: 'collectors.host.rootPath',
    kind: 'string',
    description: "The host's / (node_exporter's flag).",
  },
  {
    flag: 's3.force-path-style',
    path: 'storage.s3.forcePathStyle',
    kind: 'boolean',
    description: 'Path-style S3 addressing.',
  },
];

/** Converts a raw string by kind; a bad boolean is passed on as text so validation names the field. */
export function convert(kind: ValueKind, raw: string): unknown {
  if (kind === 'list')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  if (kind === 'boolean') {
    const lower = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
  }
  return raw;
}

/** Reads `NAME` or `NAME_FILE` (trailing newline dropped); both set is an error. */
export function readEnvSecret(env: NodeJS.ProcessEnv, name: string): { value?: string; problem?: string } {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && file !== undefined) return { problem: `${name} and ${name}_FILE are both set; use one` };
  if (file === undefined) return { value: direct };
  try {
    return { value: readFileSync(file, 'utf8').replace(/\r?\n$/, '') };
  } catch (err) {
    return { problem: `${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}
