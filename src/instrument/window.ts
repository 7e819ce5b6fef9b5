/**
 * The snapshot's "recent" figures come from bucket counts: each route row keeps cumulative counts,
 * and every `windowSeconds / SLOTS` a copy of all rows is kept; the recent figures are the current
 * counts minus the oldest copy still inside the window. Memory: SLOTS + 1 copies of the rows.
 */
const SLOTS = 10;

/** Cumulative counts of one method and route: [errors, bucket 0, ..., bucket n (+Inf)]. */
export type Counts = Float64Array;

interface Copy {
  readonly at: number;
  readonly counts: Map<Counts, Float64Array>;
}

export class RecentWindow {
  private readonly copies: Copy[] = [];
  /** Time between copies. */
  readonly slotMs: number;
  /** performance.now() at which the next copy is due. */
  private nextCopyAt = 0;

  constructor(readonly windowSeconds: number) {
    this.slotMs = (windowSeconds * 1000) / SLOTS;
  }

  /** Keeps a copy of every row when one is due. */
  advance(now: number, rows: Iterable<Counts>): void {
    if (now < this.nextCopyAt) return;
    const counts = new Map<Counts, Float64Array>();
    for (const row of rows) counts.set(row, Float64Array.from(row));
    this.copies.push({ at: now, counts });
    while (this.copies.length > SLOTS + 1) this.copies.shift();
    this.nextCopyAt = now + this.slotMs;
  }

  /** The counts of `row` since the oldest copy inside the window (all of them when the row is newer). */
  since(now: number, row: Counts): Float64Array {
    const oldest = this.copies.find((c) => c.at >= now - this.windowSeconds * 1000);
    const base = oldest?.counts.get(row);
    const out = Float64Array.from(row);
    if (!oldest) return out.fill(0);
    if (base) for (let i = 0; i < out.length; i++) out[i] -= base[i];
    return out;
  }
}

/**
 * The q-quantile of bucket counts (the last is +Inf), interpolated linearly inside its bucket as
 * Prometheus' histogram_quantile does; the highest finite bound when it falls in +Inf.
 */
export function quantile(q: number, bounds: readonly number[], buckets: ArrayLike<number>, offset = 0): number | null {
  let total = 0;
  for (let i = offset; i < buckets.length; i++) total += buckets[i];
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i <= bounds.length; i++) {
    const inBucket = buckets[offset + i];
    if (inBucket > 0 && seen + inBucket >= rank) {
      if (i === bounds.length) return bounds[bounds.length - 1];
      const lower = i === 0 ? 0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * ((rank - seen) / inBucket);
    }
    seen += inBucket;
  }
  return bounds[bounds.length - 1];
}
