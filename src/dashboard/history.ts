/**
 * A short in-memory history for sparklines and "per minute" figures: one point per collection,
 * `capacity` points (an hour at a 15 s scrape interval with the default 240), at most `maxSeries`
 * series. A series holds a ring of `capacity` values only while its value changed within the last
 * `capacity` points: most queues sit idle, and an idle queue's three series then cost a few dozen
 * bytes instead of 5.6 KB. Memory is bounded either way: capacity x maxSeries x 8 bytes at most
 * (240 x 4,000 x 8 = 7.7 MB). A series not written in a collection is dropped, so deleted queues
 * do not linger.
 */
interface Series {
  /** The latest value; every point from `born` on equals it while there is no ring. */
  value: number;
  /** Record number of the series' first point. */
  readonly born: number;
  /** Record number of the latest point that differed from the one before it. */
  changed: number;
  ring?: Float64Array;
}

export class History {
  private readonly times: Float64Array;
  private readonly series = new Map<string, Series>();
  /** Records written so far; record r lives in slot r % capacity, and the last `count` are valid. */
  private written = 0;
  private count = 0;
  private rings = 0;

  constructor(
    readonly capacity = 240,
    readonly maxSeries = 4000,
  ) {
    this.times = new Float64Array(capacity);
  }

  /** Appends one point per series; series missing from `values` are forgotten. */
  record(timeSeconds: number, values: ReadonlyMap<string, number>): void {
    const now = this.written;
    this.times[now % this.capacity] = timeSeconds;
    for (const [key, s] of this.series)
      if (!values.has(key)) {
        if (s.ring) this.rings--;
        this.series.delete(key);
      }
    for (const [key, value] of values) {
      const s = this.series.get(key);
      if (!s) {
        if (this.series.size < this.maxSeries) this.series.set(key, { value, born: now, changed: now });
        continue;
      }
      if (!Object.is(value, s.value)) {
        if (!s.ring) this.allocateRing(s, now);
        s.value = value;
        s.changed = now;
      } else if (s.ring && now - s.changed >= this.capacity - 1) {
        // The point before the last change has left the window: every valid point equals `value`.
        s.ring = undefined;
        this.rings--;
      }
      if (s.ring) s.ring[now % this.capacity] = value;
    }
    this.written = now + 1;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** A ring holding the points a constant series stood for (records `born` .. `now` - 1). */
  private allocateRing(s: Series, now: number): void {
    const ring = new Float64Array(this.capacity).fill(NaN);
    for (let r = Math.max(s.born, now - this.capacity + 1); r < now; r++) ring[r % this.capacity] = s.value;
    s.ring = ring;
    this.rings++;
  }

  /** Values oldest first (NaN where the series did not exist yet). */
  points(key: string): number[] {
    const s = this.series.get(key);
    if (!s) return [];
    const out: number[] = [];
    for (let r = this.written - this.count; r < this.written; r++)
      out.push(s.ring ? s.ring[r % this.capacity] : r >= s.born ? s.value : NaN);
    return out;
  }

  private timesOldestFirst(): number[] {
    const out: number[] = [];
    for (let r = this.written - this.count; r < this.written; r++) out.push(this.times[r % this.capacity]);
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

  /** Approximate bytes held by the rings (for README and tests). */
  get approximateBytes(): number {
    return (this.rings + 1) * this.capacity * 8;
  }

  get size(): number {
    return this.series.size;
  }
}
