import type { Config, CollectorName } from '../config/schema';
import type { Collector } from './types';
import type { Logger } from '../log/logger';
import type { MetricDef } from '../metrics/define';
import { HostCollector } from './host/collector';
import { hostMetrics } from './host/metrics';
import { PostgresCollector } from './postgres/collector';
import { RedisCollector } from './redis/collector';
import { redisMetrics } from './redis/metrics';
import { BullmqCollector } from './bullmq/collector';
import { bullmqMetrics } from './bullmq/metrics';
import { postgresMetrics } from './postgres/metrics';
import { S3Collector } from './s3/collector';
import { s3Metrics } from './s3/metrics';
import { LocalStorageCollector } from './localstorage/collector';
import { localStorageMetrics } from './localstorage/metrics';
import { ProbesCollector } from './probes/collector';
import { probeMetrics } from './probes/metrics';

export interface CollectorSpec {
  readonly name: CollectorName;
  /** Every metric the collector may emit: the README reference and the mixin read these. */
  readonly metrics: readonly MetricDef[];
  /** Whether it runs: the config's `enabled`, else on by default or when its dependency is configured. */
  readonly enabled: (config: Config) => boolean;
  readonly create: (config: Config, log: Logger) => Collector;
}

/** Every collector, in output order. Adding one is a folder, a line here and a config section. */
export const COLLECTORS: readonly CollectorSpec[] = [
  { name: 'host', metrics: Object.values(hostMetrics), enabled: (c) => c.collectors.host.enabled ?? true, create: (c) => new HostCollector(c.collectors.host) },
  { name: 'redis', metrics: Object.values(redisMetrics), enabled: (c) => c.collectors.redis.enabled ?? c.redis.url !== undefined, create: (c, log) => new RedisCollector(c.redis, log) },
  { name: 'bullmq', metrics: Object.values(bullmqMetrics), enabled: (c) => c.collectors.bullmq.enabled ?? c.redis.url !== undefined, create: (c, log) => new BullmqCollector(c.collectors.bullmq, c.redis, c.bullmq, log) },
  { name: 'postgres', metrics: Object.values(postgresMetrics), enabled: (c) => c.collectors.postgres.enabled ?? c.postgres.url !== undefined, create: (c, log) => new PostgresCollector(c.collectors.postgres, c.postgres, log) },
  { name: 's3', metrics: Object.values(s3Metrics), enabled: (c) => c.collectors.s3.enabled ?? c.storage.s3.bucket !== undefined, create: (c, log) => new S3Collector(c.collectors.s3, c.storage.s3, log) },
  { name: 'localstorage', metrics: Object.values(localStorageMetrics), enabled: (c) => c.collectors.localstorage.enabled ?? c.storage.path !== undefined, create: (c, log) => new LocalStorageCollector(c.collectors.localstorage, c.storage.path, log) },
  { name: 'probes', metrics: Object.values(probeMetrics), enabled: (c) => c.collectors.probes.enabled ?? c.collectors.probes.targets.length > 0, create: (c) => new ProbesCollector(c.collectors.probes) },
];

export interface EnabledCollector {
  readonly collector: Collector;
  readonly timeoutMs: number;
}

export function createCollectors(config: Config, log: Logger): EnabledCollector[] {
  return COLLECTORS.filter((spec) => spec.enabled(config)).map((spec) => ({
    collector: spec.create(config, log),
    timeoutMs: config.collectors[spec.name].timeout,
  }));
}
