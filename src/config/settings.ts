/**
 * Every setting that can come from an environment variable or a flag, one row each: the config
 * path, how the raw text converts, the variable and the flag that set it, and the one sentence
 * --help and the README show for both. config/sources.ts derives the lookup lists from it.
 */
export type ValueKind = 'string' | 'boolean' | 'list' | 'number';

export interface Setting {
  /** Path in the config object (dots between keys). */
  readonly path: string;
  readonly kind: ValueKind;
  /** Environment variable; a secret one also accepts `<NAME>_FILE`. */
  readonly env?: string;
  /** Flag name without the leading `--`. */
  readonly flag?: string;
  /** Holds credentials: read from `<NAME>_FILE` too, and never shown. No secret has a flag (argv is visible in ps). */
  readonly secret?: boolean;
  readonly description: string;
}

export const SETTINGS: readonly Setting[] = [
  {
    path: 'listen',
    kind: 'string',
    env: 'JOBSTACK_LISTEN',
    flag: 'web.listen-address',
    description: 'Address to serve on (host:port).',
  },
  {
    path: 'logLevel',
    kind: 'string',
    env: 'JOBSTACK_LOG_LEVEL',
    flag: 'log.level',
    description: 'debug, info, warn or error.',
  },
  {
    path: 'web.configFile',
    kind: 'string',
    env: 'JOBSTACK_WEB_CONFIG',
    flag: 'web.config.file',
    description: 'Web config file (TLS, basic auth), the format Prometheus exporters use.',
  },
  {
    path: 'web.bearerToken',
    kind: 'string',
    env: 'JOBSTACK_BEARER_TOKEN',
    secret: true,
    description: 'Require `Authorization: Bearer <token>` on every endpoint but /health.',
  },
  {
    path: 'redis.url',
    kind: 'string',
    env: 'REDIS_URL',
    secret: true,
    description:
      'redis:// or rediss:// URL, with user, password and database number if needed; several, comma-separated, for Redis Cluster seed nodes.',
  },
  {
    path: 'redis.cluster',
    kind: 'boolean',
    env: 'REDIS_CLUSTER',
    description: 'Whether Redis is a Redis Cluster; unset: asked at the first collection (INFO cluster_enabled).',
  },
  {
    path: 'redis.password',
    kind: 'string',
    env: 'REDIS_PASSWORD',
    secret: true,
    description: 'Redis password, overriding any in REDIS_URL.',
  },
  {
    path: 'bullmq.prefix',
    kind: 'string',
    env: 'BULLMQ_PREFIX',
    flag: 'bullmq.prefix',
    description: 'BullMQ key prefix.',
  },
  {
    path: 'bullmq.queues',
    kind: 'list',
    env: 'BULLMQ_QUEUES',
    flag: 'bullmq.queues',
    description: 'Comma-separated queue names; empty discovers them.',
  },
  {
    path: 'postgres.url',
    kind: 'string',
    env: 'DATABASE_URL',
    secret: true,
    description: 'postgres:// URL of the job database.',
  },
  {
    path: 'postgres.password',
    kind: 'string',
    env: 'DATABASE_PASSWORD',
    secret: true,
    description: 'PostgreSQL password, overriding any in DATABASE_URL.',
  },
  {
    path: 'storage.path',
    kind: 'string',
    env: 'STORAGE_PATH',
    flag: 'storage.path',
    description: 'Local folder where the application keeps files.',
  },
  {
    path: 'storage.s3.bucket',
    kind: 'string',
    env: 'S3_BUCKET',
    flag: 's3.bucket',
    description: 'S3 bucket where the application keeps files.',
  },
  {
    path: 'storage.s3.endpoint',
    kind: 'string',
    env: 'S3_ENDPOINT',
    flag: 's3.endpoint',
    description: 'S3-compatible endpoint URL (empty for AWS).',
  },
  { path: 'storage.s3.region', kind: 'string', env: 'S3_REGION', flag: 's3.region', description: 'S3 region.' },
  {
    path: 'storage.s3.forcePathStyle',
    kind: 'boolean',
    env: 'S3_FORCE_PATH_STYLE',
    flag: 's3.force-path-style',
    description: 'Path-style S3 addressing (most S3-compatible servers).',
  },
  {
    path: 'alertmanager.url',
    kind: 'string',
    env: 'ALERTMANAGER_URL',
    secret: true,
    description:
      'Alertmanager whose firing alerts and silences /dashboard shows (read-only); may hold basic-auth credentials.',
  },
  {
    path: 'collectors.host.procPath',
    kind: 'string',
    env: 'JOBSTACK_PATH_PROCFS',
    flag: 'path.procfs',
    description: "The host's /proc as the exporter sees it (a container: /host/proc, mounted read-only).",
  },
  {
    path: 'collectors.host.sysPath',
    kind: 'string',
    env: 'JOBSTACK_PATH_SYSFS',
    flag: 'path.sysfs',
    description:
      "The host's /sys as the exporter sees it (a container: /host/sys, mounted read-only); network interfaces are read there.",
  },
  {
    path: 'collectors.host.rootPath',
    kind: 'string',
    env: 'JOBSTACK_PATH_ROOTFS',
    flag: 'path.rootfs',
    description: "The host's / as the exporter sees it (a container: /host/root, mounted read-only).",
  },
  {
    path: 'collectors.probes.targets',
    kind: 'list',
    env: 'PROBE_TARGETS',
    secret: true,
    description: 'Comma-separated name=url pairs of health endpoints to probe (URLs may hold credentials).',
  },
  {
    path: 'collectors.app.targets',
    kind: 'list',
    env: 'APP_TARGETS',
    secret: true,
    description:
      "Comma-separated name=url pairs of instrumented apps' JSON snapshots (`APP_TARGETS_FILE`: one per line).",
  },
  {
    path: 'web.maxRequests',
    kind: 'number',
    flag: 'web.max-requests',
    description: 'Concurrent /metrics, /dashboard/data and /health/detailed requests served, together; more get 503.',
  },
  {
    path: 'scrape.defaultTimeout',
    kind: 'string',
    flag: 'scrape.default-timeout',
    description: 'Scrape timeout assumed when Prometheus sends none.',
  },
  {
    path: 'scrape.timeoutOffset',
    kind: 'string',
    flag: 'scrape.timeout-offset',
    description: 'Time kept back from the scrape timeout.',
  },
];
