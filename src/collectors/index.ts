import type { Config, CollectorName } from '../config/schema';
import type { AwsCredentials } from '../config/load';
import type { Collector } from './types';
import type { DashboardSources } from './sources';
import type { Logger } from '../log/logger';
import type { MetricDef } from '../metrics/define';
import { HostCollector } from './host/collector';
import { hostMetrics } from './host/metrics';
import { redisMetrics } from './redis/metrics';
import { bullmqMetrics } from './bullmq/metrics';
import { postgresMetrics } from './postgres/metrics';
import { s3Metrics } from './s3/metrics';
import { LocalStorageCollector } from './localstorage/collector';
import { localStorageMetrics } from './localstorage/metrics';
import { ProbesCollector } from './probes/collector';
import { lazyCollectors } from './lazy';
import { probeMetrics } from './probes/metrics';
import { AppCollector } from './app/collector';
import { appMetrics } from './app/metrics';

export interface CollectorSpec {
  readonly name: CollectorName;
  /** Every metric the collector may emit: the README reference and the mixin read these. */
  readonly metrics: readonly MetricDef[];
  /** Whether it runs: the config's `enabled`, else on by default or when its dependency is configured. */
  readonly enabled: (config: Config) => boolean;
  readonly create: (config: Config, log: Logger, deps: CollectorDeps) => Created;
}

/** What main hands the collectors besides the config. */
export interface CollectorDeps {
  /** AWS keys read from `AWS_*_FILE` (else the S3 client uses the SDK's default chain). */
  readonly awsCredentials?: AwsCredentials;
}

/** A new collector with what it offers the dashboard besides /metrics (src/collectors/sources.ts). */
export interface Created {
  readonly collector: Collector;
  readonly sources?: DashboardSources;
}

const plain = (collector: Collector): Created => ({ collector });

/** Every collector, in output order. Adding one is a folder, a line here and a config section. */
export const COLLECTORS: readonly CollectorSpec[] = [
  {
    name: 'host',
    metrics: Object.values(hostMetrics),
    enabled: (c) => c.collectors.host.enabled ?? true,
    create: (c) => plain(new HostCollector(c.collectors.host)),
  },
  {
    name: 'redis',
    metrics: Object.values(redisMetrics),
    enabled: (c) => c.collectors.redis.enabled ?? c.redis.url !== undefined,
    create: (c, log) => plain(new (lazyCollectors.redis().RedisCollector)(c.redis, log)),
  },
  {
    name: 'bullmq',
    metrics: Object.values(bullmqMetrics),
    enabled: (c) => c.collectors.bullmq.enabled ?? c.redis.url !== undefined,
    create: (c, log) => {
      const collector = new (lazyCollectors.bullmq().BullmqCollector)(c.collectors.bullmq, c.redis, c.bullmq, log);
      return { collector, sources: { failures: collector } };
    },
  },
  {
    name: 'postgres',
    metrics: Object.values(postgresMetrics),
    enabled: (c) => c.collectors.postgres.enabled ?? c.postgres.url !== undefined,
    create: (c, log) =>
      plain(new (lazyCollectors.postgres().PostgresCollector)(c.collectors.postgres, c.postgres, log)),
  },
  {
    name: 's3',
    metrics: Object.values(s3Metrics),
    enabled: (c) => c.collectors.s3.enabled ?? c.storage.s3.bucket !== undefined,
    create: (c, log, deps) =>
      plain(
        new (lazyCollectors.s3().S3Collector)(c.collectors.s3, c.storage.s3, log, { credentials: deps.awsCredentials }),
      ),
  },
  {
    name: 'localstorage',
    metrics: Object.values(localStorageMetrics),
    enabled: (c) => c.collectors.localstorage.enabled ?? c.storage.path !== undefined,
    create: (c, log) => plain(new LocalStorageCollector(c.collectors.localstorage, c.storage.path, log)),
  },
  {
    name: 'probes',
    metrics: Object.values(probeMetrics),
    enabled: (c) => c.collectors.probes.enabled ?? c.collectors.probes.targets.length > 0,
    create: (c) => plain(new ProbesCollector(c.collectors.probes)),
  },
  {
    name: 'app',
    metrics: Object.values(appMetrics),
    enabled: (c) => c.collectors.app.enabled ?? c.collectors.app.targets.length > 0,
    create: (c) => {
      const collector = new AppCollector(c.collectors.app);
      return { collector, sources: { apps: collector } };
    },
  },
];

export interface EnabledCollector {
  readonly collector: Collector;
  readonly timeoutMs: number;
}

export interface CreatedCollectors {
  readonly enabled: EnabledCollector[];
  /** What the enabled collectors offer the dashboard, merged. */
  readonly sources: DashboardSources;
}

export function createCollectors(config: Config, log: Logger, deps: CollectorDeps = {}): CreatedCollectors {
  const enabled: EnabledCollector[] = [];
  let sources: DashboardSources = {};
  for (const spec of COLLECTORS.filter((s) => s.enabled(config))) {
    const created = spec.create(config, log, deps);
    enabled.push({ collector: created.collector, timeoutMs: config.collectors[spec.name].timeout });
    sources = { ...sources, ...created.sources };
  }
  return { enabled, sources };
}
