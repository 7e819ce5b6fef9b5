import { z } from 'zod';
import { duration, listenAddress, url, urlList } from './fields';
import { LOG_LEVELS, type LogLevel } from '../log/logger';
import { hostConfigSchema } from '../collectors/host/config';
import { redisConfigSchema } from '../collectors/redis/config';
import { bullmqConfigSchema } from '../collectors/bullmq/config';
import { postgresConfigSchema } from '../collectors/postgres/config';
import { s3ConfigSchema } from '../collectors/s3/config';
import { localStorageConfigSchema } from '../collectors/localstorage/config';
import { probesConfigSchema } from '../collectors/probes/config';
import { appConfigSchema } from '../collectors/app/config';
import { multiTargetConfigSchema } from '../multitarget/config';

/**
 * One section per collector, each declared in its folder (src/collectors/<name>/config.ts); a new
 * collector adds one line here and one in src/collectors/index.ts.
 */
export const collectorsSchema = z
  .object({
    host: hostConfigSchema,
    redis: redisConfigSchema,
    bullmq: bullmqConfigSchema,
    postgres: postgresConfigSchema,
    s3: s3ConfigSchema,
    localstorage: localStorageConfigSchema,
    probes: probesConfigSchema,
    app: appConfigSchema,
  })
  .strict()
  .default({});

export const COLLECTOR_NAMES = Object.keys(collectorsSchema._def.innerType.shape) as (keyof z.output<
  typeof collectorsSchema
>)[];
export type CollectorName = (typeof COLLECTOR_NAMES)[number];

export const configSchema = z
  .object({
    listen: listenAddress.default('0.0.0.0:9478'),
    logLevel: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).default('info'),
    web: z
      .object({
        /** Prometheus exporter-toolkit web config: TLS and bcrypt basic auth (see docs/security.md). */
        configFile: z.string().min(1).optional(),
        /** Alternative to basic auth: `Authorization: Bearer <token>`. */
        bearerToken: z.string().min(16, 'use at least 16 characters').optional(),
        /** Concurrent /metrics requests served; more get 503 at once (node_exporter's --web.max-requests). */
        maxRequests: z.number().int().min(1).max(1000).default(10),
      })
      .strict()
      .default({}),
    dashboard: z
      .object({
        /**
         * A collection younger than this serves /dashboard/data and /health/detailed as is. At
         * least the scrape interval, so a refreshing browser adds nothing while Prometheus scrapes.
         */
        maxAge: duration(0, 300_000).default('15s'),
        /** Throughput, failure ratio and p95 figures cover this long. */
        window: duration(60_000, 3_600_000).default('5m'),
        /** Points of sparkline history kept (240 = an hour at a 15 s scrape interval). */
        historyPoints: z.number().int().min(2).max(5000).default(240),
        /** History series kept at most (3 per queue, a few for Redis, PostgreSQL and the host). */
        historySeries: z.number().int().min(10).max(100_000).default(4000),
      })
      .strict()
      .default({}),
    /** Alertmanager whose firing alerts and silences the built-in dashboard shows (read-only). */
    alertmanager: z
      .object({
        url: url(['http', 'https']).optional(),
        /** Cap on each read of Alertmanager's API; past it the dashboard says Alertmanager is unreachable. */
        timeout: duration(100, 30_000).default('2s'),
      })
      .strict()
      .default({}),
    scrape: z
      .object({
        /** Assumed scraper timeout when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds. */
        defaultTimeout: duration(500, 300_000).default('10s'),
        /** Kept back from the scraper's timeout so the answer arrives before it gives up. */
        timeoutOffset: duration(0, 5_000).default('500ms'),
      })
      .strict()
      .default({}),
    redis: z
      .object({
        /** One URL, or several separated by commas: seed nodes of a Redis Cluster. */
        url: urlList(['redis', 'rediss']).optional(),
        password: z.string().optional(),
        /** true: a Redis Cluster; false: one server; absent: asked at the first collection (INFO). */
        cluster: z.boolean().optional(),
      })
      .strict()
      .superRefine((redis, ctx) => {
        if (redis.cluster === false && (redis.url ?? '').split(',').filter((s) => s.trim()).length > 1)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['cluster'],
            message: 'is false but redis.url lists several nodes (several URLs are the seed nodes of a cluster)',
          });
      })
      .default({}),
    bullmq: z
      .object({
        prefix: z.string().min(1).max(200).default('bull'),
        /** Empty: discover queues under the prefix. */
        queues: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({}),
    postgres: z
      .object({ url: url(['postgres', 'postgresql']).optional(), password: z.string().optional() })
      .strict()
      .default({}),
    storage: z
      .object({
        path: z.string().min(1).optional(),
        s3: z
          .object({
            bucket: z.string().min(3).max(255).optional(),
            endpoint: url(['http', 'https']).optional(),
            region: z.string().min(1).default('us-east-1'),
            forcePathStyle: z.boolean().default(false),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    collectors: collectorsSchema,
    /** GET /probe?target=...: one target per request (README, "Multi-target mode"). */
    multiTarget: multiTargetConfigSchema,
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
