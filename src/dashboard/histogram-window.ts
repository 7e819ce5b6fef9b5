import type { HistogramValue } from '../metrics/batch';

interface Snapshot {
  readonly t: number;
  readonly counts: readonly number[];
  readonly total: number;
}

/**
 * Keeps a few snapshots of each cumulative histogram (one per `spacingSeconds`, over
 * `keepSeconds`) so the dashboard can show a quantile over the last minutes instead of since
 * the exporter started. Bounded: at most keepSeconds / spacingSeconds + 1 snapshots per key.
 */
export class HistogramWindow {
  private readonly snapshots = new Map<string, { buckets: readonly number[]; list: Snapshot[] }>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly keepSeconds = 600,
    private readonly spacingSeconds = 60,
  ) {}

  record(now: number, key: string, buckets: readonly number[], value: HistogramValue): void {
    this.seen.add(key);
    let entry = this.snapshots.get(key);
    if (!entry) {
      entry = { buckets, list: [] };
      this.snapshots.set(key, entry);
    }
    const snap = { t: now, counts: value.bucketCounts, total: value.count };
    const last = entry.list[entry.list.length - 1];
    // Keep the newest always (as the "now" end) and one older snapshot per spacing.
    if (last && now - (entry.list[entry.list.length - 2]?.t ?? -Infinity) < this.spacingSeconds)
      entry.list[entry.list.length - 1] = snap;
    else entry.list.push(snap);
    while (entry.list.length > 2 && now - entry.list[1].t > this.keepSeconds) entry.list.shift();
  }

  /** Drops keys not recorded since the last call (queues that disappeared). */
  sweep(): void {
    for (const key of this.snapshots.keys()) if (!this.seen.has(key)) this.snapshots.delete(key);
    this.seen.clear();
  }

  /**
   * Quantile of the observations made within the last `windowSeconds` (from the oldest snapshot
   * inside it, or the closest before it), interpolated inside the bucket as Prometheus'
   * histogram_quantile does. Null with a single snapshot, when nothing was observed, or when the
   * quantile falls in the +Inf bucket.
   */
  quantile(key: string, q: number, windowSeconds: number): number | null {
    const entry = this.snapshots.get(key);
    if (!entry || entry.list.length < 2) return null;
    const newest = entry.list[entry.list.length - 1];
    const older = entry.list.slice(0, -1);
    // The oldest snapshot inside the window, else the closest one before it.
    const start = older.find((s) => newest.t - s.t <= windowSeconds) ?? older[older.length - 1];
    const counts = newest.counts.map((c, i) => c - (start.counts[i] ?? 0));
    const total = newest.total - start.total;
    if (total <= 0) return null;
    const rank = q * total;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] >= rank) {
        const lower = i === 0 ? 0 : entry.buckets[i - 1];
        const below = i === 0 ? 0 : counts[i - 1];
        const inBucket = counts[i] - below;
        return inBucket > 0 ? lower + (entry.buckets[i] - lower) * ((rank - below) / inBucket) : entry.buckets[i];
      }
    }
    return null;
  }
}
