import type { Collector } from '../../src/collectors/types';
import { silentLogger, type Logger } from '../../src/log/logger';
import { MetricBatch } from '../../src/metrics/batch';
import { render, toExpositionFamily } from '../../src/metrics/render';
import { ScrapeRunner, type Collection, type CollectorOutcome } from '../../src/runner/runner';

/**
 * The one way tests collect and render: straight from a collector (its batch; a failure throws),
 * or through the scrape runner as /metrics does (the outcome: success, error, duration, batch).
 */

/** One collection straight from the collector, as the runner would call it; throws when it fails. */
export async function collectOnce(
  collector: Collector,
  budgetMs = 5000,
  log: Logger = silentLogger,
): Promise<MetricBatch> {
  const out = new MetricBatch();
  await collector.collect({ out, signal: new AbortController().signal, deadline: Date.now() + budgetMs, log });
  return out;
}

/** One collection of one collector through the scrape runner (its timeout, its success metrics). */
export async function runOnce(
  collector: Collector,
  budgetMs = 3000,
  { timeoutMs = 10_000, log = silentLogger }: { timeoutMs?: number; log?: Logger } = {},
): Promise<CollectorOutcome> {
  return (await new ScrapeRunner([{ collector, timeoutMs }], log).collect(budgetMs)).outcomes[0];
}

/** A batch (or every outcome of a collection, merged) as /metrics prints it in the text format. */
export function renderBatch(batch: MetricBatch | Collection): string {
  let all = batch;
  if (!(all instanceof MetricBatch)) {
    const merged = new MetricBatch();
    for (const o of all.outcomes) merged.merge(o.batch);
    all = merged;
  }
  return render([...all.families.values()].map(toExpositionFamily), 'prometheus');
}
