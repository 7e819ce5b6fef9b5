import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Redis from 'ioredis';
import { startExporter, type ExporterBuild, type ExporterProcess } from '../../test/harness/exporter';
import { startPostgres, type PostgresServer } from '../../test/harness/postgres';
import { tempDir } from '../../test/harness/process';
import { startRedis, type RedisServer } from '../../test/harness/redis';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../../test/harness/s3';
import { createWorkload, type Workload, type WorkloadOptions } from './workload';

/**
 * Everything jobstack-exporter watches, started for a benchmark: its own redis-server filled with
 * a BullMQ workload, a throwaway PostgreSQL cluster with a jobs table, s3rver with a seeded
 * bucket, and a local storage folder. `exporter()` starts the built CLI with every collector on
 * against them (host, redis, bullmq, postgres, s3, localstorage, probes).
 */
export interface Stack {
  readonly redis: RedisServer;
  readonly pg: PostgresServer;
  readonly s3: S3Server;
  readonly workload: Workload;
  readonly storageDir: string;
  /** The environment that turns every collector on against this stack. */
  readonly env: NodeJS.ProcessEnv;
  readonly versions: { redis: string; postgres: string; bullmq: string };
  exporter(args?: readonly string[], env?: NodeJS.ProcessEnv, build?: ExporterBuild): Promise<ExporterProcess>;
  stop(): Promise<void>;
}

export const BUCKET = 'uploads';

export type { ExporterBuild };

/**
 * The harness's startExporter for a given build or node flags (V8 options such as
 * --max-semi-space-size must come before the script; NODE_OPTIONS refuses some).
 */
export function spawnExporter(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  build: ExporterBuild = {},
): Promise<ExporterProcess> {
  return startExporter(args, env, 'http', {}, build);
}

/** Custom SQL a job-processing application would export (jobstack's postgres.queries). */
const CONFIG_YAML = `logLevel: warn
collectors:
  postgres:
    queries:
      - name: jobs_by_status
        sql: SELECT status, count(*) AS jobs FROM jobs GROUP BY status
        labels: [status]
        metrics: [{ column: jobs, name: app_jobs }]
      - name: recent_failures
        sql: SELECT count(*) AS n FROM jobs WHERE status = 'failed' AND created_at > now() - interval '1 hour'
        metrics: [{ column: n, name: app_recent_failures }]
`;

export async function startStack(queues: number, options: WorkloadOptions = {}): Promise<Stack> {
  const started: { stop(): Promise<void> | void }[] = [];
  try {
    const redis = await startRedis();
    started.push(redis);
    const workload = createWorkload(redis.port, options);
    started.push({ stop: () => workload.close() });
    const filling = Date.now();
    await workload.grow(queues);
    process.stderr.write(`filled ${queues} queues in ${((Date.now() - filling) / 1000).toFixed(1)} s\n`);

    const pg = await startPostgres();
    started.push(pg);
    await pg.sql(`CREATE TABLE jobs (id serial PRIMARY KEY, status text, duration_ms int, created_at timestamptz DEFAULT now());
      INSERT INTO jobs (status, duration_ms) SELECT (ARRAY['done','failed','waiting','active'])[1 + g % 4], g % 1000 FROM generate_series(1, 20000) g;
      CREATE INDEX ON jobs (status); ANALYZE jobs`);

    // s3rver answers HeadBucket by listing the bucket (AWS does not), so a small bucket keeps s3rver's
    // own cost out of the scrape time; bench/postgres-storage.ts times listing a big one.
    const s3 = await startS3([BUCKET]);
    started.push(s3);
    s3.seed(
      BUCKET,
      Array.from({ length: 100 }, (_, i) => ({ key: `reports/${i % 10}/report-${i}.pdf`, body: 'x'.repeat(i % 500) })),
    );

    // The application's health endpoint the probes collector checks.
    const health = http.createServer((_, res) => res.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    started.push({
      stop: () =>
        new Promise<void>((resolve) => {
          health.close(() => resolve());
          health.closeAllConnections();
        }),
    });
    const healthUrl = `http://127.0.0.1:${(health.address() as { port: number }).port}/health`;

    const storage = tempDir('bench-storage');
    started.push({ stop: () => storage.remove() });
    for (let d = 0; d < 10; d++) {
      mkdirSync(path.join(storage.dir, `dir-${d}`));
      for (let f = 0; f < 50; f++)
        writeFileSync(path.join(storage.dir, `dir-${d}`, `file-${f}.bin`), Buffer.alloc(f * 100));
    }
    const configFile = path.join(storage.dir, '..', `${path.basename(storage.dir)}.yaml`);
    writeFileSync(configFile, CONFIG_YAML);
    started.push({ stop: () => rmSync(configFile, { force: true }) });

    const env: NodeJS.ProcessEnv = {
      JOBSTACK_CONFIG: configFile,
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      DATABASE_URL: pg.url,
      STORAGE_PATH: storage.dir,
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      PROBE_TARGETS: `app=${healthUrl}`,
    };
    const admin = new Redis({ port: redis.port });
    const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
    admin.disconnect();
    const versions = {
      redis: redisVersion,
      postgres: String((await pg.sql('SHOW server_version'))[0].server_version),
      bullmq: (require('bullmq/package.json') as { version: string }).version,
    };
    const exporters: ExporterProcess[] = [];
    return {
      redis,
      pg,
      s3,
      workload,
      storageDir: storage.dir,
      env,
      versions,
      async exporter(args = [], extraEnv = {}, build = {}) {
        const exporter = await spawnExporter(args, { ...env, ...extraEnv }, build);
        exporters.push(exporter);
        return exporter;
      },
      async stop() {
        await Promise.allSettled(exporters.map((e) => e.stop()));
        for (const s of started.reverse()) await Promise.resolve(s.stop()).catch(() => undefined);
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await Promise.resolve(s.stop()).catch(() => undefined);
    throw err;
  }
}
