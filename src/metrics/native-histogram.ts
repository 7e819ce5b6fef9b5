/**
 * A Prometheus native histogram (sparse exponential buckets), kept next to the classic buckets of
 * a HistogramState and served only in the protobuf exposition. Bucket i of schema s covers
 * (2^((i-1)/2^s), 2^(i/2^s)]; values at or below the zero threshold count in the zero bucket.
 * Conventions follow client_golang: schema 3 to start (each bound 2^(1/8) = 1.09x the previous,
 * so a quantile is within about 4.5%), zero threshold 2^-128, at most 160 buckets; beyond that the
 * schema is lowered (buckets merged in pairs), which keeps memory bounded whatever is observed.
 */

export const NATIVE_START_SCHEMA = 3;
export const NATIVE_MIN_SCHEMA = -4;
export const NATIVE_MAX_BUCKETS = 160;
export const NATIVE_ZERO_THRESHOLD = 2 ** -128;

export interface BucketSpan {
  readonly offset: number;
  readonly length: number;
}

/** One native histogram as exposed: positive buckets as spans and count deltas. */
export interface NativeHistogramValue {
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly positiveSpans: readonly BucketSpan[];
  /** Each populated bucket's count minus the previous one's (the first: minus 0). */
  readonly positiveDeltas: readonly number[];
}

/** The index of the bucket holding `value` (> 0) at `schema`: the smallest i with value <= 2^(i / 2^schema). */
export function bucketIndex(value: number, schema: number): number {
  const perOctave = 2 ** schema;
  let i = Math.ceil(Math.log2(value) * perOctave);
  // log2 is not exact: correct by one so that an exact bound falls in the bucket it closes.
  if (2 ** ((i - 1) / perOctave) >= value) i--;
  else if (2 ** (i / perOctave) < value) i++;
  return i;
}

export class NativeHistogram {
  private schema = NATIVE_START_SCHEMA;
  private zeroCount = 0;
  /** Count per bucket index (positive values only: durations are never negative). */
  private buckets = new Map<number, number>();

  observe(value: number): void {
    if (!(value >= 0) || value === Infinity) return;
    if (value <= NATIVE_ZERO_THRESHOLD) {
      this.zeroCount++;
      return;
    }
    const i = bucketIndex(value, this.schema);
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1);
    while (this.buckets.size > NATIVE_MAX_BUCKETS && this.schema > NATIVE_MIN_SCHEMA) this.halveResolution();
  }

  /** Schema s-1 merges buckets 2k-1 and 2k of schema s into bucket k. */
  private halveResolution(): void {
    const merged = new Map<number, number>();
    for (const [i, count] of this.buckets) {
      const k = Math.ceil(i / 2);
      merged.set(k, (merged.get(k) ?? 0) + count);
    }
    this.buckets = merged;
    this.schema--;
  }

  get value(): NativeHistogramValue {
    const indexes = [...this.buckets.keys()].sort((a, b) => a - b);
    const positiveSpans: BucketSpan[] = [];
    const positiveDeltas: number[] = [];
    let previousIndex = 0;
    let previousCount = 0;
    let span: { offset: number; length: number } | undefined;
    for (const i of indexes) {
      // A gap of one or two empty buckets costs less as zero deltas than as a new span.
      const gap = span ? i - previousIndex - 1 : 0;
      if (span && gap <= 2) {
        for (let g = 0; g < gap; g++) {
          positiveDeltas.push(-previousCount);
          previousCount = 0;
        }
        span.length += gap + 1;
      } else {
        span = { offset: span ? gap : i, length: 1 };
        positiveSpans.push(span);
      }
      const count = this.buckets.get(i)!;
      positiveDeltas.push(count - previousCount);
      previousCount = count;
      previousIndex = i;
    }
    // An empty native histogram carries a no-op span, or it reads as a classic one without buckets.
    if (!positiveSpans.length) positiveSpans.push({ offset: 0, length: 0 });
    return {
      schema: this.schema,
      zeroThreshold: NATIVE_ZERO_THRESHOLD,
      zeroCount: this.zeroCount,
      positiveSpans,
      positiveDeltas,
    };
  }
}
