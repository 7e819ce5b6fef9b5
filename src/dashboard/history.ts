/**
 * A short in-memory history for sparklines and "per minute" figures: one point per collection,
 * `capacity` points (an hour at a 15 s scrape interval with the default 240), at most `maxSeries`
 * series. Memory is bounded: capacity x maxSeries x 8 bytes (240 x 4,000 x 8 = 7.7 MB at most).
 * A series not written in a collection is dropped, so deleted queues do not linger.
 */
export class History {
  private readonly times: Float64Array;
  private readonly series = new Map<string, Float64Array>();
  /** Index of the next point to write; `count` points are valid. */
  private next = 0;
  private count = 0;

  constructor(
    readonly capacity = 240,
    readonly maxSeries = 4000,
  ) {
    this.times = new Float64Array(capacity);
  }

  /** Appends one point per series; series missing from `values` are forgotten. */
  record(timeSeconds: number, values: ReadonlyMap<string, number>): void {
    const slot = this.next;
    this.times[slot] = timeSeconds;
    for (const key of this.series.keys()) if (!values.has(key)) this.series.delete(key);
    for (const [key, value] of values) {
      let ring = this.series.get(key);
      if (!ring) {
        if (this.series.size >= this.maxSeries) continue;
        ring = new Float64Array(this.capacity).fill(NaN);
        this.series.set(key, ring);
      }
      ring[slot] = value;
    }
    this.next = (slot + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Values oldest first (NaN where the series did not exist yet). */
  points(key: string): number[] {
    const ring = this.series.get(key);
    if (!ring) return [];
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(ring[(this.next - this.count + i + this.capacity) % this.capacity]);
    return out;
  }

  private timesOldestFirst(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++)
      out.push(this.times[(this.next - this.count + i + this.capacity) % this.capacity]);
    return out;
  }

  /**
   * Per-second increase of a counter over the last `windowSeconds` (or all history if shorter):
   * null with fewer than two points or across a reset.
   */
  rate(key: string, windowSeconds: number): number | null {
    const values = this.points(key);
    const times = this.timesOldestFirst();
    if (values.length < 2) return null;
    const lastIndex = values.length - 1;
    const last = values[lastIndex];
    let first = lastIndex;
    while (first > 0 && times[lastIndex] - times[first - 1] <= windowSeconds && Number.isFinite(values[first - 1]))
      first--;
    if (first === lastIndex || !Number.isFinite(last)) return null;
    const delta = last - values[first];
    const seconds = times[lastIndex] - times[first];
    return delta < 0 || seconds <= 0 ? null : delta / seconds;
  }

  /** Per-interval increases of a counter, oldest first (for throughput sparklines). */
  deltasPerMinute(key: string): number[] {
    const values = this.points(key);
    const times = this.timesOldestFirst();
    const out: number[] = [];
    for (let i = 1; i < values.length; i++) {
      const d = values[i] - values[i - 1];
      const dt = times[i] - times[i - 1];
      out.push(Number.isFinite(d) && d >= 0 && dt > 0 ? (d / dt) * 60 : NaN);
    }
    return out;
  }

  /** Approximate bytes held (for README and tests). */
  get approximateBytes(): number {
    return (this.series.size + 1) * this.capacity * 8;
  }

  get size(): number {
    return this.series.size;
  }
}
