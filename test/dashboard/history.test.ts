import { QueueHistoryKeys } from '../../src/dashboard/sections/queues';
import { History } from '../../src/dashboard/history';
import { HistogramWindow } from '../../src/dashboard/histogram-window';

describe('dashboard history', () => {
  test('keeps at most `capacity` points, oldest first', () => {
    const h = new History(3, 10);
    for (let t = 0; t < 5; t++) h.record(t * 15, new Map([['a', t]]));
    expect(h.points('a')).toEqual([2, 3, 4]);
  });

  test('rate over a window, null across a counter reset or with one point', () => {
    const h = new History(100, 10);
    h.record(0, new Map([['c', 100]]));
    expect(h.rate('c', 60)).toBeNull();
    for (let t = 1; t <= 8; t++) h.record(t * 15, new Map([['c', 100 + t * 30]]));
    expect(h.rate('c', 60)).toBeCloseTo(2); // 30 per 15 s
    h.record(135, new Map([['c', 5]]));
    expect(h.rate('c', 60)).toBeNull();
  });

  test('per-minute deltas for sparklines', () => {
    const h = new History(10, 10);
    [0, 10, 30].forEach((v, i) => h.record(i * 30, new Map([['c', v]])));
    expect(h.deltasPerMinute('c')).toEqual([20, 40]);
  });

  test('series not written in a collection are dropped; the series cap holds', () => {
    const h = new History(10, 2);
    h.record(
      0,
      new Map([
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ]),
    );
    expect(h.size).toBe(2);
    h.record(15, new Map([['a', 2]]));
    expect(h.points('b')).toEqual([]);
  });

  test('a series that keeps one value holds no ring; a change allocates one, a window without change frees it', () => {
    const h = new History(4, 10);
    h.record(0, new Map([['idle', 7]]));
    h.record(
      15,
      new Map([
        ['idle', 7],
        ['late', 1],
      ]),
    );
    expect(h.approximateBytes).toBe(1 * 4 * 8); // the times ring only
    expect(h.points('late')).toEqual([NaN, 1]);
    h.record(
      30,
      new Map([
        ['idle', 7],
        ['late', 2],
      ]),
    );
    expect(h.approximateBytes).toBe(2 * 4 * 8);
    expect(h.points('late')).toEqual([NaN, 1, 2]);
    for (let t = 3; t < 7; t++)
      h.record(
        t * 15,
        new Map([
          ['idle', 7],
          ['late', 2],
        ]),
      );
    expect(h.points('late')).toEqual([2, 2, 2, 2]);
    expect(h.approximateBytes).toBe(1 * 4 * 8);
    expect(h.points('idle')).toEqual([7, 7, 7, 7]);
  });

  test('gives the same points as keeping every value, whatever the sequence', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const h = new History(8, 100);
    const all = new Map<string, number[]>();
    for (let t = 0; t < 400; t++) {
      const values = new Map<string, number>();
      for (const key of ['a', 'b', 'c', 'd']) {
        if (random() < 0.05) continue; // missing from a collection: dropped
        const previous = all.get(key)?.at(-1) ?? 0;
        const roll = random();
        values.set(key, roll < 0.8 ? previous : roll < 0.9 ? NaN : Math.floor(random() * 3));
      }
      for (const key of all.keys()) if (!values.has(key)) all.delete(key);
      for (const [key, value] of values) all.set(key, [...(all.get(key) ?? Array<number>(t).fill(NaN)), value]);
      h.record(t * 15, values);
      for (const [key, kept] of all) expect(h.points(key)).toEqual(kept.slice(-Math.min(8, t + 1)));
    }
  });
});

describe('histogram window', () => {
  const buckets = [1, 10, 100];
  const value = (counts: number[]) => ({ bucketCounts: counts, count: counts[counts.length - 1], sum: 0 });

  test('quantile of the observations inside the window only', () => {
    const w = new HistogramWindow(600, 60);
    w.record(0, 'q', buckets, value([100, 100, 100])); // 100 fast jobs before the window
    w.record(300, 'q', buckets, value([100, 100, 200])); // then 100 jobs in (10, 100]
    expect(w.quantile('q', 0.5, 600)).toBeCloseTo(55); // interpolated inside (10, 100]
    // No snapshot inside 100 s: the closest older one is used rather than everything since start.
    expect(w.quantile('q', 0.5, 100)).toBeCloseTo(55);
    const single = new HistogramWindow();
    single.record(0, 'q', buckets, value([5, 5, 5]));
    expect(single.quantile('q', 0.5, 600)).toBeNull();
  });

  test('null when nothing finished, and keys that disappear are swept', () => {
    const w = new HistogramWindow();
    w.record(0, 'q', buckets, value([0, 0, 0]));
    w.record(120, 'q', buckets, value([0, 0, 0]));
    expect(w.quantile('q', 0.95, 600)).toBeNull();
    w.sweep();
    w.sweep();
    expect(w.quantile('q', 0.95, 600)).toBeNull();
  });
});

describe('QueueHistoryKeys', () => {
  test('gives a queue the same key strings collection after collection, and forgets a queue gone for two', () => {
    const keys = new QueueHistoryKeys();
    keys.rotate();
    const first = keys.of('emails');
    expect(first).toEqual({
      backlog: 'q\u0000emails\u0000backlog',
      completed: 'q\u0000emails\u0000completed',
      failed: 'q\u0000emails\u0000failed',
    });
    keys.rotate();
    expect(keys.of('emails')).toBe(first);
    keys.rotate();
    keys.rotate();
    const again = keys.of('emails');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
