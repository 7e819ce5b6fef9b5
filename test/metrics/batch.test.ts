import { MetricBatch } from '../../src/metrics/batch';
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
