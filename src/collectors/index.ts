import type { Config, CollectorName } from '../config/schema';
import type { Collector } from './types';
import type { Logger } from '../log/logger';
import { HostCollector } from './host/collector';

export interface CollectorSpec {
  readonly name: CollectorName;
  /** On unless the config says otherwise, or only when its dependency is configured. */
  readonly enabled: (config: Config) => boolean;
  readonly create: (config: Config, log: Logger) => Collector;
}

/** Every collector, in output order. Adding one is a folder and a line here. */
export const COLLECTORS: readonly CollectorSpec[] = [
  { name: 'host', enabled: (c) => c.collectors.host.enabled ?? true, create: (c) => new HostCollector(c.collectors.host) },
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
