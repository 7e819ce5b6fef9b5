import { MetricBatch } from '../metrics/batch';
import { LabelValueBounder } from '../metrics/label-value';
import type { Collector } from '../collectors/types';
import type { Logger } from '../log/logger';
import { selfMetrics } from '../metrics/self';
import { collectorDeadline, raceSignal, settleWithin, timeoutSignal } from './deadline';

export interface CollectorOutcome {
  readonly name: string;
  readonly success: boolean;
  readonly durationSeconds: number;
  /** Sanitized, one line; absent on success. */
  readonly error?: string;
  /** Why the collector reported its dependency down though it succeeded (its `up` is 0). */
  readonly dependencyDown?: string;
  readonly batch: MetricBatch;
  readonly finishedAt: number;
}

export interface Collection {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outcomes: readonly CollectorOutcome[];
}

/** Told of every finished collection; may work on asynchronously (in time slices). */
export type CollectionListener = (collection: Collection) => Promise<void> | void;

export interface RunnerEntry {
  readonly collector: Collector;
  /** Upper bound on this collector's time, whatever the scraper allows. */
  readonly timeoutMs: number;
}

/**
 * Runs every collector concurrently under a deadline, publishes each one's batch only if it
 * finished in time, and lets concurrent scrapes share one collection in flight.
 */
export class ScrapeRunner {
  private inFlight?: Promise<Collection>;
  private last?: Collection;
  /** Collectors whose previous run has not settled: they are not started again (no pile-up). */
  private readonly busy = new Map<string, Promise<unknown>>();
  private collections = 0;
  private readonly listeners: CollectionListener[] = [];
  /** Remembers rewritten label values across scrapes (each is cut once, not once per scrape). */
  private readonly labelValues = new LabelValueBounder();

  constructor(
    private readonly entries: readonly RunnerEntry[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of collections started since startup (coalesced scrapes do not start one). */
  get collectionCount(): number {
    return this.collections;
  }

  /**
   * Called with every finished collection (the dashboard's history records from it). The
   * collection is answered without waiting for a listener's promise; its failure is logged.
   */
  onCollection(listener: CollectionListener): void {
    this.listeners.push(listener);
  }

  /** The latest finished collection, if any. */
  latest(): Collection | undefined {
    return this.last;
  }

  /** Collects within `budgetMs`, or joins the collection already running. */
  collect(budgetMs: number): Promise<Collection> {
    if (!this.inFlight) {
      this.inFlight = this.run(budgetMs).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async run(budgetMs: number): Promise<Collection> {
    this.collections++;
    const startedAt = this.now();
    const outcomes = await Promise.all(this.entries.map((entry) => this.runOne(entry, startedAt + budgetMs)));
    this.last = { startedAt, finishedAt: this.now(), outcomes };
    const failed = (err: unknown) =>
      this.log.error('collection listener failed', { error: this.log.redactor.errorMessage(err) });
    for (const listener of this.listeners) {
      try {
        listener(this.last)?.catch(failed);
      } catch (err) {
        failed(err);
      }
    }
    return this.last;
  }

  private async runOne({ collector, timeoutMs }: RunnerEntry, scrapeDeadline: number): Promise<CollectorOutcome> {
    const started = this.now();
    // The runner stops waiting at `hardAt`; the collector's own signal fires a margin before it.
    const hardAt = Math.min(scrapeDeadline, started + timeoutMs);
    const cancel = new AbortController();
    const { at, signal } = collectorDeadline(started, hardAt, cancel.signal);
    const out = new MetricBatch(this.labelValues, this.last?.outcomes.find((o) => o.name === collector.name)?.batch);
    let error: string | undefined;
    let dependencyDown: string | undefined;
    const reportDown = (reason: string) => {
      dependencyDown = this.log.redactor.errorMessage(reason);
    };
    try {
      if (this.busy.has(collector.name)) throw new Error('previous collection still running');
      const work = collector.collect({
        signal,
        deadline: at,
        out,
        log: this.log.child({ collector: collector.name }),
        reportDown,
      });
      const settled = work.catch(() => undefined).finally(() => this.busy.delete(collector.name));
      this.busy.set(collector.name, settled);
      const budgetMs = Math.max(0, hardAt - started);
      await raceSignal(
        work,
        timeoutSignal(budgetMs),
        () => new Error(`timed out after ${(budgetMs / 1000).toFixed(1)}s`),
      );
    } catch (err) {
      error = this.log.redactor.errorMessage(err);
      cancel.abort();
    }
    const finishedAt = this.now();
    const durationSeconds = (finishedAt - started) / 1000;
    const batch = error === undefined ? out : new MetricBatch(this.labelValues);
    // A collector may set its own `up` to 0 on success (a storage path that vanished is reported,
    // not thrown); the runner only fills it in when the collector did not.
    if (collector.up && (error !== undefined || batch.get(collector.up) === undefined))
      batch.set(collector.up, error === undefined ? 1 : 0);
    batch.set(selfMetrics.collectorDuration, durationSeconds, { collector: collector.name });
    batch.set(selfMetrics.collectorSuccess, error === undefined ? 1 : 0, { collector: collector.name });
    batch.set(selfMetrics.labelValuesCut, batch.labelValuesCut, { collector: collector.name });
    if (error !== undefined) this.log.warn('collector failed', { collector: collector.name, error, durationSeconds });
    if (error === undefined && dependencyDown === undefined && collector.up && batch.get(collector.up) === 0)
      dependencyDown = 'dependency reported down';
    batch.finish();
    return {
      name: collector.name,
      success: error === undefined,
      durationSeconds,
      error,
      dependencyDown: error === undefined ? dependencyDown : undefined,
      batch,
      finishedAt,
    };
  }

  /** Waits (bounded) for collectors still running, then closes them. */
  async close(graceMs = 2000): Promise<void> {
    const pending = Promise.allSettled([...this.busy.values()]);
    await settleWithin(pending, graceMs);
    await Promise.allSettled(this.entries.map(async (e) => e.collector.close?.()));
  }
}
