import type { Collector } from '../../../src/collectors/types';
import { configSchema, type ConfigInput, type Config } from '../../../src/config/schema';
import { silentLogger, type Logger } from '../../../src/log/logger';
import { MetricBatch } from '../../../src/metrics/batch';
import { render, toExpositionFamily } from '../../../src/metrics/render';

/** Runs one collection the way the runner does, and returns its batch (throws when it fails). */
export async function collectOnce(
  collector: Collector,
  budgetMs = 5000,
  log: Logger = silentLogger,
): Promise<MetricBatch> {
  const out = new MetricBatch();
  await collector.collect({ out, signal: new AbortController().signal, deadline: Date.now() + budgetMs, log });
  return out;
}

/** The batch as /metrics would print it. */
export function renderBatch(batch: MetricBatch): string {
  return render([...batch.families.values()].map(toExpositionFamily), 'prometheus');
}

/** A validated config from a partial input, as loadConfig would build it. */
export function testConfig(input: ConfigInput = {}): Config {
  return configSchema.parse(input);
}

/** ioredis connection options for BullMQ itself (Workers need maxRetriesPerRequest null). */
export function bullConnection(port: number, password?: string) {
  return { host: '127.0.0.1', port, password, maxRetriesPerRequest: null };
}
