import { z } from 'zod';
import { parseDuration } from './duration';
import { LOG_LEVELS, type LogLevel } from '../log/logger';
import { customQueriesSchema } from '../collectors/postgres/custom-config';
import { probeTargetsSchema } from '../collectors/probes/config';
import { appTargetsSchema } from '../collectors/app/config';
import { DEFAULT_DURATION_BUCKETS, HISTOGRAM_MODES } from '../collectors/bullmq/metrics';

/** A duration string (`10s`) within bounds, parsed to milliseconds. */
export function duration(minMs: number, maxMs: number) {
  return z.string({ invalid_type_error: 'expected a duration such as "10s"' }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a duration (use e.g. 500ms, 10s, 5m)` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${text} is out of range (${minMs}ms to ${maxMs / 1000}s)`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * The part of a URL whose %-escapes do not decode (a bare `%` in a password), or undefined. The
 * URL parser accepts them, but every client decodes these parts later (ioredis threw "URI
 * malformed" at startup; pg took them silently), so they are refused here, by name, not value.
 */
function percentEncodingProblem(u: URL): string | undefined {
  const parts: [string, string][] = [
    ['user name', u.username],
    ['password', u.password],
    ['path', u.pathname],
    ['query', u.search],
  ];
  for (const [name, text] of parts) {
    try {
      decodeURIComponent(text);
    } catch {
      return `malformed percent-encoding in the URL's ${name} (write a literal % as %25)`;
    }
  }
  return undefined;
}

/** A URL with one of the given schemes; the message never repeats the URL (it may hold a password). */
export function url(schemes: readonly string[]) {
  return z.string().superRefine((text, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `not a valid URL (expected ${schemes.map((s) => `${s}://`).join(' or ')}...)`,
      });
      return;
    }
    const malformed = percentEncodingProblem(parsed);
    if (malformed) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: malformed });
    } else if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `scheme must be ${schemes.join(' or ')}, not ${parsed.protocol.replace(/:$/, '')}`,
      });
    } else if (!parsed.hostname && !parsed.searchParams.get('host')) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'URL has no host' });
    }
  });
}

/** One URL or several separated by commas (Redis Cluster seed nodes), each checked as `url` does. */
export function urlList(schemes: readonly string[]) {
  const one = url(schemes);
  return z.string().superRefine((text, ctx) => {
    const parts = text.split(',').map((s) => s.trim());
    parts.forEach((part, i) => {
      const result = one.safeParse(part);
      if (!result.success)
        for (const issue of result.error.issues)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            message: parts.length > 1 ? `URL ${i + 1} of ${parts.length}: ${issue.message}` : issue.message,
          });
    });
  });
}

/** A regular expression given as a string. */
const regex = z.string().superRefine((text, ctx) => {
  try {
    new RegExp(text);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a valid regular expression' });
  }
});

const listenAddress = z.string().superRefine((text, ctx) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not host:port with a port from 0 to 65535` });
  }
});

/** Settings every collector has. `enabled` absent means: on when its dependency is configured. */
function collectorSection<S extends z.ZodRawShape>(defaultTimeout: string, extra: S) {
  return z
    .object({ enabled: z.boolean().optional(), timeout: duration(100, 120_000).default(defaultTimeout), ...extra })
    .strict()
    .default({} as never); // every field has a default; zod cannot see that through the generic
}

/** One section per collector; a new collector adds one line here and one in src/collectors/index.ts. */
export const collectorsSchema = z
  .object({
    host: collectorSection('5s', {
      /** Filesystem types skipped (pseudo and overlay filesystems), as node_exporter does. */
      fsTypesExclude: regex.default(
        '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|fuse\\.lxcfs|nfsd|ramfs)$',
      ),
      mountPointsExclude: regex.default(
        '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)',
      ),
      /** Where the host's /proc is (/host/proc in a container with it mounted read-only). */
      procPath: z.string().min(1).default('/proc'),
      /** Where the host's / is (/host/root in a container): filesystems are measured there and labelled with host paths. */
      rootPath: z.string().min(1).default('/'),
    }),
    /** Redis health and INFO; on when redis.url is set (or with --collector.redis: redis://127.0.0.1:6379). */
    redis: collectorSection('5s', {}),
    /** BullMQ queues under bullmq.prefix on the same Redis; on when redis.url is set. */
    bullmq: collectorSection('5s', {
      /** Time between SCANs for `<prefix>:*:meta` when bullmq.queues is empty. */
      discoveryInterval: duration(1_000, 86_400_000).default('60s'),
      /** Queues read at most (first by name); the rest are counted in bullmq_queues_left_out. */
      maxQueues: z.number().int().min(1).max(100_000).default(1000),
      /** Queues read per Redis script call: bounds how long one call holds Redis. */
      queuesPerCall: z.number().int().min(1).max(1000).default(50),
      /** Script calls left unanswered at once; 0 sends them all in one round trip (other clients then wait for several). */
      callsInFlight: z.number().int().min(0).max(1000).default(0),
      /** Finished jobs sampled per queue and state in one scrape for the histograms; the rest wait for the next. */
      sampleLimit: z.number().int().min(1).max(100_000).default(1000),
      /** Failed jobs remembered per queue (id, name, reason, attempts) for the JSON endpoints. */
      failedJobsKept: z.number().int().min(0).max(1000).default(20),
      /**
       * The wait and processing time histograms: one pair per queue that has finished jobs
       * (per-queue), one pair for all queues together (total), or none (off). Series per queue
       * are a cost (README, "Series per queue").
       */
      histograms: z.enum(HISTOGRAM_MODES).default('per-queue'),
      /** Upper bounds of the wait and processing time histograms, in seconds (histograms: off turns them off). */
      histogramBuckets: z
        .array(z.number().positive().finite())
        .min(1, 'give at least one bound (histograms: off turns the histograms off)')
        .max(40)
        .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'bucket bounds must be ascending')
        .default([...DEFAULT_DURATION_BUCKETS]),
    }),
    /** Server statistics plus the application's own SQL metrics; on when postgres.url is set. */
    postgres: collectorSection('5s', { queries: customQueriesSchema(duration) }),
    /** storage.s3.bucket: HeadBucket each scrape, object count and bytes from a background listing. */
    s3: collectorSection('5s', {
      /** Prefixes counted separately; '' is the whole bucket. */
      prefixes: z.array(z.string().max(1024)).min(1).max(20).default(['']),
      /** Time between listings; a listing that takes longer than this is aborted. */
      listInterval: duration(10_000, 7 * 86_400_000).default('5m'),
      /** Objects listed per prefix at most; beyond it the figures are lower bounds (s3_listing_truncated). */
      maxObjects: z.number().int().min(1).max(100_000_000).default(100_000),
    }),
    /** storage.path: exists/readable and its filesystem each scrape, files and bytes from a background walk. */
    localstorage: collectorSection('5s', {
      /** Time between walks; a walk that takes longer than this is aborted. */
      walkInterval: duration(10_000, 7 * 86_400_000).default('5m'),
      /** Entries visited per walk at most; beyond it the figures are lower bounds. */
      maxFiles: z.number().int().min(1).max(100_000_000).default(1_000_000),
    }),
    /** HTTP(S) health endpoints of the application; on when targets are listed. */
    probes: collectorSection('5s', {
      targets: probeTargetsSchema(duration, url),
      /** Probes in flight at once. */
      concurrency: z.number().int().min(1).max(64).default(4),
    }),
    /** JSON snapshots of applications instrumented with jobstack-exporter/instrument; on when targets are listed. */
    app: collectorSection('5s', {
      targets: appTargetsSchema(duration, url),
    }),
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
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type CollectorsConfig = Config['collectors'];
