import fc from 'fast-check';
import { labelSet, MetricBatch } from '../../src/metrics/batch';
import { defineMetric } from '../../src/metrics/define';

const jobs = defineMetric({ name: 'demo_jobs', help: 'Jobs.', type: 'gauge', labels: ['queue'] });
const workers = defineMetric({ name: 'demo_workers', help: 'Workers.', type: 'gauge', labels: ['queue'] });

/** merge shares a family it does not have yet instead of copying it; neither batch may see the other's later writes. */
describe('MetricBatch.merge', () => {
  it('takes families in without changing the batch they came from', () => {
    const collector = new MetricBatch();
    collector.set(jobs, 3, { queue: 'emails' });
    collector.set(workers, 1, { queue: 'emails' });
    const all = new MetricBatch();
    all.merge(collector);
    all.set(jobs, 7, { queue: 'images' });
    all.set(jobs, 9, { queue: 'emails' });

    expect(all.get(jobs, { queue: 'emails' })).toBe(9);
    expect(all.get(jobs, { queue: 'images' })).toBe(7);
    expect(all.get(workers, { queue: 'emails' })).toBe(1);
    expect(collector.samples(jobs).map((s) => [s.labels.queue, s.value])).toEqual([['emails', 3]]);
  });

  it('merges a family two batches both have, the later sample replacing the earlier, and leaves both sources alone', () => {
    const a = new MetricBatch();
    a.set(jobs, 1, { queue: 'emails' });
    const b = new MetricBatch();
    b.set(jobs, 2, { queue: 'emails' });
    b.set(jobs, 5, { queue: 'pdf' });
    const all = new MetricBatch();
    all.merge(a);
    all.merge(b);

    expect(all.samples(jobs).map((s) => [s.labels.queue, s.value])).toEqual([
      ['emails', 2],
      ['pdf', 5],
    ]);
    expect(a.samples(jobs).map((s) => s.value)).toEqual([1]);
    expect(b.samples(jobs).map((s) => s.value)).toEqual([2, 5]);
  });

  it('still refuses two definitions under one name', () => {
    const other = defineMetric({ name: 'demo_jobs', help: 'Other.', type: 'gauge', labels: ['queue'] });
    const a = new MetricBatch();
    a.set(jobs, 1, { queue: 'emails' });
    const b = new MetricBatch();
    b.set(other, 1, { queue: 'emails' });
    const all = new MetricBatch();
    all.merge(a);
    expect(() => all.merge(b)).toThrow('two definitions share the name demo_jobs');
  });
});

/** Label sets collectors build once (labelSet) are prepared once: the result must not depend on it. */
describe('MetricBatch with labelSet label sets', () => {
  const byState = defineMetric({ name: 'demo_by_state', help: 'S.', type: 'gauge', labels: ['queue', 'state'] });
  const byStateReversed = defineMetric({
    name: 'demo_by_state_reversed',
    help: 'R.',
    type: 'gauge',
    labels: ['state', 'queue'],
  });

  it('keys one label set right for families with other label names or order', () => {
    const labels = labelSet({ queue: 'emails', state: 'waiting' });
    const b = new MetricBatch();
    b.set(byState, 1, labels);
    b.set(byStateReversed, 2, labels);
    b.set(byState, 3, labelSet({ queue: 'emails', state: 'active' }));
    expect(b.get(byState, { queue: 'emails', state: 'waiting' })).toBe(1);
    expect(b.get(byStateReversed, { queue: 'emails', state: 'waiting' })).toBe(2);
    expect(b.samples(byState)).toHaveLength(2);
    // A label set missing a label is refused like any other.
    const queueOnly = labelSet({ queue: 'emails' });
    b.set(jobs, 4, queueOnly);
    expect(() => b.set(byState, 5, queueOnly as never)).toThrow('demo_by_state: label state missing');
  });

  it('bounds a long value in a label set and counts every set that had to cut it', () => {
    const labels = labelSet({ queue: 'q'.repeat(1000) });
    const b = new MetricBatch();
    b.set(jobs, 1, labels);
    b.set(workers, 2, labels);
    b.set(jobs, 3, labels);
    expect(b.labelValuesCut).toBe(3);
    const [sample] = b.samples(jobs);
    expect(sample.value).toBe(3);
    expect(sample.labels.queue).toMatch(/^q+~[0-9a-f]{8}$/);
    expect(b.get(jobs, { queue: 'q'.repeat(1000) })).toBe(3);
  });

  it('is a plain frozen object to everyone else: its keys, spread and JSON show only the labels', () => {
    const labels = labelSet({ queue: 'emails', state: 'waiting' });
    new MetricBatch().set(byState, 1, labels);
    expect(Object.isFrozen(labels)).toBe(true);
    expect(Object.keys(labels)).toEqual(['queue', 'state']);
    expect({ ...labels }).toEqual({ queue: 'emails', state: 'waiting' });
    expect(JSON.stringify(labels)).toBe('{"queue":"emails","state":"waiting"}');
  });
});

/**
 * A batch built against the same collector's previous one (the runner's way) reuses the previous
 * families and samples where it writes the same ones; what it holds must be exactly what a batch
 * built from nothing holds, and the previous batch must never change.
 */
describe('MetricBatch built against the previous batch', () => {
  const hist = defineMetric({
    name: 'demo_wait_seconds',
    help: 'Wait.',
    type: 'histogram',
    labels: ['queue'],
    buckets: [1, 10],
  });
  const queues = ['a', 'b', 'c', 'd'].map((queue) => labelSet({ queue }));
  const state = (b: MetricBatch) =>
    [...b.families.values()].map((f) => ({
      name: f.def.name,
      samples: [...f.samples].map(([key, s]) => [key, s.labels, s.value]),
      histograms: [...f.histograms].map(([key, h]) => [key, h.labels, h.value]),
    }));

  type Write = { def: 'jobs' | 'workers' | 'hist'; queue: number; value: number };
  const write = (b: MetricBatch, w: Write) => {
    if (w.def === 'hist')
      b.setHistogram(hist, { bucketCounts: [w.value, w.value], count: w.value, sum: 0 }, queues[w.queue]);
    else b.set(w.def === 'jobs' ? jobs : workers, w.value, queues[w.queue]);
  };
  const build = (writes: readonly Write[], previous?: MetricBatch) => {
    const b = new MetricBatch(undefined, previous);
    for (const w of writes) write(b, w);
    b.finish();
    return b;
  };

  it('shares a family written again exactly, and makes a new one where a write differs', () => {
    const writes: Write[] = queues.map((_, queue) => ({ def: 'jobs', queue, value: queue }));
    const first = build([...writes, { def: 'workers', queue: 0, value: 1 }]);
    const second = build([...writes, { def: 'workers', queue: 0, value: 2 }], first);
    expect(second.families.get('demo_jobs')).toBe(first.families.get('demo_jobs'));
    expect(second.families.get('demo_workers')).not.toBe(first.families.get('demo_workers'));
    expect(second.get(workers, { queue: 'a' })).toBe(2);
    expect(first.get(workers, { queue: 'a' })).toBe(1);
  });

  it('holds what a batch built from nothing holds, whatever is written, and leaves the previous one alone', () => {
    const writeArb = fc.record({
      def: fc.constantFrom<Write['def']>('jobs', 'jobs', 'workers', 'hist'),
      queue: fc.integer({ min: 0, max: 3 }),
      value: fc.constantFrom(0, 1, 2, NaN),
    });
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 12 }), fc.array(writeArb, { maxLength: 12 }), (before, now) => {
        const previous = build(before);
        const kept = state(previous);
        const replayed = build(now, previous);
        expect(state(replayed)).toEqual(state(build(now)));
        expect(state(previous)).toEqual(kept);
        // Written to after it was finished: still right, and the previous batch still unchanged.
        replayed.set(jobs, 5, queues[0]);
        expect(replayed.get(jobs, queues[0])).toBe(5);
        expect(state(previous)).toEqual(kept);
      }),
      { numRuns: 2000 },
    );
  });
});
