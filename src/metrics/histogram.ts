import type { HistogramValue } from './batch';

/** A histogram the exporter accumulates itself (e.g. job wait times sampled from Redis). */
export class HistogramState {
  private readonly counts: number[];
  private total = 0;
  private sum = 0;

  constructor(private readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
    this.total++;
    this.sum += value;
  }

  get value(): HistogramValue {
    return { bucketCounts: [...this.counts], count: this.total, sum: this.sum };
  }
}
