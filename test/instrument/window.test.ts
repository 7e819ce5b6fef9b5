import { quantile, RecentWindow } from '../../src/instrument/window';

const BOUNDS = [0.1, 0.5, 1];

describe('quantile over bucket counts', () => {
  it.each([
    ['nothing observed', [0, 0, 0, 0], 0.5, null],
    ['all in the first bucket, interpolated from 0', [10, 0, 0, 0], 0.5, 0.05],
    ['median at the edge of the first bucket', [5, 5, 0, 0], 0.5, 0.1],
    ['p95 inside the second bucket', [50, 50, 0, 0], 0.95, 0.1 + 0.4 * 0.9],
    ['in +Inf: the highest finite bound', [0, 0, 0, 4], 0.5, 1],
  ])('%s', (_name, counts, q, expected) => {
    const value = quantile(q, BOUNDS, counts);
    if (expected === null) expect(value).toBeNull();
    else expect(value).toBeCloseTo(expected, 10);
  });

  it('reads from an offset (the row keeps its error count first)', () => {
    expect(quantile(0.5, BOUNDS, [99, 10, 0, 0, 0], 1)).toBeCloseTo(0.05, 10);
  });
});

describe('RecentWindow', () => {
  // 300 s window: a copy every 30 s.
  const row = () => new Float64Array([0, 0, 0, 0, 0]);

  it('counts what happened since the oldest copy inside the window', () => {
    const window = new RecentWindow(300);
    const counts = row();
    window.advance(0, [counts]);
    counts[1] = 10;
    window.advance(31_000, [counts]);
    counts[1] = 15;
    // At 200 s, the copy at 0 is still inside the window: all 15 are recent.
    expect(Array.from(window.since(200_000, counts))).toEqual([0, 15, 0, 0, 0]);
    // At 320 s the copy at 0 is out: only what came after the copy at 31 s.
    expect(Array.from(window.since(320_000, counts))).toEqual([0, 5, 0, 0, 0]);
    // Long after, with no copy inside the window: nothing is recent.
    expect(Array.from(window.since(1_000_000, counts))).toEqual([0, 0, 0, 0, 0]);
  });

  it('counts a row born after the copies in full', () => {
    const window = new RecentWindow(300);
    window.advance(0, []);
    const late = row();
    late[2] = 3;
    expect(Array.from(window.since(10_000, late))).toEqual([0, 0, 3, 0, 0]);
  });

  it('keeps at most 11 copies however long it runs', () => {
    const window = new RecentWindow(300);
    const counts = row();
    for (let t = 0; t < 10_000_000; t += 30_000) window.advance(t, [counts]);
    expect((window as unknown as { copies: unknown[] }).copies.length).toBe(11);
  });
});
