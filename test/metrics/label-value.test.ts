import fc from 'fast-check';
import { MetricBatch } from '../../src/metrics/batch';
import { defineMetric } from '../../src/metrics/define';
import { MAX_LABEL_VALUE_BYTES, boundedLabelValue, cutUtf8 } from '../../src/metrics/label-value';
import { AnswerTooLarge, render, toExpositionFamily } from '../../src/metrics/render';
import { promtoolCheckMetrics } from '../harness/exporter';
import { renderBatch } from '../harness/collect';

const demo = defineMetric({ name: 'demo_jobs', help: 'Demo.', type: 'gauge', labels: ['queue'] });
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('label values are bounded where samples are set', () => {
  test('short, well-formed values are kept as they are', () => {
    for (const v of ['', 'emails', 'ünïcödé 🚀 名前', 'x'.repeat(MAX_LABEL_VALUE_BYTES)])
      expect(boundedLabelValue(v)).toBe(v);
  });

  test('a 10 KB value is cut to the cap, ends with ~ and a digest, and is stable', () => {
    const long = 'q'.repeat(10_000);
    const cut = boundedLabelValue(long);
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
    expect(cut).toMatch(/^q+~[0-9a-f]{8}$/);
    expect(boundedLabelValue(long)).toBe(cut);
  });

  test('property: any string becomes valid UTF-8 within the cap; distinct long values stay distinct', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
        (base, tail) => {
          const a = boundedLabelValue(base);
          expect(bytes(a)).toBeLessThanOrEqual(MAX_LABEL_VALUE_BYTES);
          expect(Buffer.from(a, 'utf8').toString('utf8')).toBe(a); // round-trips: no lone surrogate
          const long = 'p'.repeat(300) + base;
          if (long + tail !== long) expect(boundedLabelValue(long + tail)).not.toBe(boundedLabelValue(long));
        },
      ),
    );
  });

  test('cutUtf8 never splits a character', () => {
    expect(cutUtf8('aé', 2)).toBe('a');
    expect(cutUtf8('🚀🚀', 5)).toBe('🚀');
  });

  test('the batch counts what it rewrote; 300 queues of 10 KB names print a bounded, lint-clean exposition', () => {
    const batch = new MetricBatch();
    for (let i = 0; i < 300; i++) batch.set(demo, i, { queue: `${i}:${'n'.repeat(10_000)}` });
    batch.set(demo, 1, { queue: 'lone \uD800 surrogate' });
    expect(batch.labelValuesCut).toBe(301);
    const text = renderBatch(batch);
    expect(text.length).toBeLessThan(300 * (MAX_LABEL_VALUE_BYTES + 40) + 1000);
    expect(text).toContain('lone \uFFFD surrogate');
    expect(batch.get(demo, { queue: `7:${'n'.repeat(10_000)}` })).toBe(7);
    expect(promtoolCheckMetrics(text)).toBe('');
  });
});

test('an exposition over its size bound is refused whole, not served cut', () => {
  const batch = new MetricBatch();
  for (let i = 0; i < 100; i++) batch.set(demo, i, { queue: `queue-${i}` });
  const families = [...batch.families.values()].map(toExpositionFamily);
  expect(() => render(families, 'prometheus', 1000)).toThrow(AnswerTooLarge);
  expect(render(families, 'prometheus', 100_000)).toContain('demo_jobs{queue="queue-99"} 99');
});
