import type { HistogramValue } from './batch';
import { NativeHistogram } from './native-histogram';

/**
 * A histogram the exporter accumulates itself (e.g. job wait times sampled from Redis): classic
 * buckets for the text formats and a native histogram for the protobuf exposition.
 */
export class HistogramState {
  private readonly counts: number[];
  private readonly native = new NativeHistogram();
  private total = 0;
  private sum = 0;
  /**
   * The latest value handed out, until the next observation: most queues finish nothing between
   * two scrapes, and a new value object per histogram per scrape (2,000 at 1,000 queues, with
   * their arrays) lived until the next scrape, so scavenges promoted them all into the old space.
   */
  private latest?: HistogramValue;

  constructor(private readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
    this.native.observe(value);
    this.total++;
    this.sum += value;
    this.latest = undefined;
  }

  /** The state as exposed; the same (frozen) object while nothing was observed since. */
  get value(): HistogramValue {
    this.latest ??= Object.freeze({
      bucketCounts: Object.freeze([...this.counts]),
      count: this.total,
      sum: this.sum,
      native: this.native.value,
    });
    return this.latest;
  }
}
