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
