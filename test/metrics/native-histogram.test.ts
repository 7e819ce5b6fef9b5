import {
  NATIVE_MAX_BUCKETS,
  NATIVE_START_SCHEMA,
  NativeHistogram,
  bucketIndex,
} from '../../src/metrics/native-histogram';

/** Expands spans and deltas back to (bucket index -> count). */
function buckets(h: NativeHistogram): Map<number, number> {
  const { positiveSpans, positiveDeltas } = h.value;
  const out = new Map<number, number>();
  let index = 0;
  let count = 0;
  let d = 0;
  positiveSpans.forEach((span, n) => {
    index += n === 0 ? span.offset : span.offset + 1;
    for (let i = 0; i < span.length; i++, d++) {
      if (i > 0) index++;
      count += positiveDeltas[d];
      if (count) out.set(index, count);
    }
  });
  return out;
}

test.each([
  [1, 0, 0],
  [2, 0, 1],
  [1.5, 0, 1],
  [0.5, 0, -1],
  [0.3, 0, -1],
  [2 ** (1 / 8), 3, 1],
  [2 ** (1 / 8) * 1.0000001, 3, 2],
  [1024, 3, 80],
  [0.001, 3, -79],
])('value %p at schema %p is in bucket %p (upper bounds inclusive)', (value, schema, index) => {
  expect(bucketIndex(value, schema)).toBe(index);
  expect(2 ** ((index - 1) / 2 ** schema)).toBeLessThan(value);
  expect(2 ** (index / 2 ** schema)).toBeGreaterThanOrEqual(value * (1 - 1e-12));
});

test('an empty histogram carries the no-op span, so it reads as native', () => {
  expect(new NativeHistogram().value).toMatchObject({
    schema: NATIVE_START_SCHEMA,
    zeroCount: 0,
    positiveSpans: [{ offset: 0, length: 0 }],
    positiveDeltas: [],
  });
});

test('spans and deltas encode every observation; zeros go to the zero bucket', () => {
  const h = new NativeHistogram();
  const values = [0, 0, 0.1, 0.1, 0.11, 0.2, 1, 1, 1, 30, 3600];
  for (const v of values) h.observe(v);
  expect(h.value.zeroCount).toBe(2);
  const expected = new Map<number, number>();
  for (const v of values.filter((x) => x > 0))
    expected.set(bucketIndex(v, NATIVE_START_SCHEMA), (expected.get(bucketIndex(v, NATIVE_START_SCHEMA)) ?? 0) + 1);
  expect(buckets(h)).toEqual(expected);
  // Far-apart buckets are separate spans, not runs of zero deltas.
  expect(h.value.positiveSpans.length).toBeGreaterThan(2);
});

test(`beyond ${NATIVE_MAX_BUCKETS} buckets the resolution halves: memory stays bounded, nothing is lost`, () => {
  const h = new NativeHistogram();
  for (let k = -400; k < 400; k++) h.observe(2 ** (k / 8));
  const { schema } = h.value;
  expect(schema).toBeLessThan(NATIVE_START_SCHEMA);
  const b = buckets(h);
  expect(b.size).toBeLessThanOrEqual(NATIVE_MAX_BUCKETS);
  expect([...b.values()].reduce((a, c) => a + c, 0)).toBe(800);
  // Every value still sits in the bucket its schema gives it.
  for (let k = -400; k < 400; k += 37) expect(b.get(bucketIndex(2 ** (k / 8), schema))).toBeGreaterThan(0);
});
