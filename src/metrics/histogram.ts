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

  constructor(private readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
    this.native.observe(value);
    this.total++;
    this.sum += value;
  }

  get value(): HistogramValue {
    return { bucketCounts: [...this.counts], count: this.total, sum: this.sum, native: this.native.value };
  }
}
