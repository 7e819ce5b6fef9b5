import type { Collector, CollectContext } from '../../src/collectors/types';
import { silentLogger } from '../../src/log/logger';
import { defineMetric } from '../../src/metrics/define';
import { selfMetrics } from '../../src/metrics/self';
import { ScrapeRunner, type Collection } from '../../src/runner/runner';
import { scrapeBudgetMs } from '../../src/runner/deadline';

const up = defineMetric({ name: 'thing_up', help: 'up', type: 'gauge', labels: [] });
const items = defineMetric({ name: 'thing_items', help: 'items', type: 'gauge', labels: ['item'] });

/** A collector whose behaviour each test scripts. */
function fake(name: string, body: (ctx: CollectContext, call: number) => Promise<void>): Collector & { calls: number } {
  const c = {
    name,
    up,
    calls: 0,
    collect(ctx: CollectContext) {
      c.calls++;
      return body(ctx, c.calls);
    },
  };
  return c;
}

const outcome = (col: Collection, name: string) => col.outcomes.find((o) => o.name === name)!;

describe('scrape runner', () => {
  test('a collector that never resolves is cut off at its deadline; the others still report', async () => {
    let aborted = false;
    const hang = fake('hang', (ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    const ok = fake('ok', async (ctx) => ctx.out.set(items, 3, { item: 'a' }));
    const runner = new ScrapeRunner(
      [
        { collector: hang, timeoutMs: 60_000 },
        { collector: ok, timeoutMs: 60_000 },
      ],
      silentLogger(),
    );
    const started = Date.now();
    const col = await runner.collect(300);
    expect(Date.now() - started).toBeLessThan(5000); // bounded by the 300 ms budget, not the 60 s cap
    expect(aborted).toBe(true);
    expect(outcome(col, 'hang')).toMatchObject({
      success: false,
      error: expect.stringMatching(/timed out after 0\.3s/),
    });
    expect(outcome(col, 'hang').batch.get(up)).toBe(0);
    expect(outcome(col, 'hang').batch.get(selfMetrics.collectorSuccess, { collector: 'hang' })).toBe(0);
    expect(outcome(col, 'ok').batch.get(items, { item: 'a' })).toBe(3);
    expect(outcome(col, 'ok').batch.get(up)).toBe(1);
  });

  test('the per-collector cap applies when it is shorter than the scrape budget', async () => {
    const slow = fake('slow', () => new Promise(() => undefined));
    const runner = new ScrapeRunner([{ collector: slow, timeoutMs: 200 }], silentLogger());
    const col = await runner.collect(30_000);
    expect(outcome(col, 'slow').error).toMatch(/timed out after 0\.2s/);
  });

  test('a throwing collector publishes only up 0, never its partial samples', async () => {
    const bad = fake('bad', async (ctx) => {
      ctx.out.set(items, 1, { item: 'partial' });
      throw new Error('connection refused');
    });
    const runner = new ScrapeRunner([{ collector: bad, timeoutMs: 1000 }], silentLogger());
    const col = await runner.collect(1000);
    const o = outcome(col, 'bad');
    expect(o).toMatchObject({ success: false, error: 'connection refused' });
    expect(o.batch.get(items, { item: 'partial' })).toBeUndefined();
    expect(o.batch.get(up)).toBe(0);
  });

  test('concurrent scrapes share one collection', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = fake('slow', () => gate);
    const runner = new ScrapeRunner([{ collector: slow, timeoutMs: 5000 }], silentLogger());
    const scrapes = Array.from({ length: 10 }, () => runner.collect(5000));
    release();
    const results = await Promise.all(scrapes);
    expect(slow.calls).toBe(1);
    expect(runner.collectionCount).toBe(1);
    expect(new Set(results).size).toBe(1);
    await runner.collect(5000);
    expect(runner.collectionCount).toBe(2);
  });

  test('a collector still running from a timed-out collection is not started again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stuck = fake('stuck', (_ctx, call) => (call === 1 ? gate : Promise.resolve()));
    const runner = new ScrapeRunner([{ collector: stuck, timeoutMs: 100 }], silentLogger());
    expect(outcome(await runner.collect(1000), 'stuck').success).toBe(false);
    const second = outcome(await runner.collect(1000), 'stuck');
    expect(second).toMatchObject({ success: false, error: 'previous collection still running' });
    expect(stuck.calls).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(outcome(await runner.collect(1000), 'stuck').success).toBe(true);
    expect(stuck.calls).toBe(2);
  });

  test('label sets that disappear are gone from the next collection', async () => {
    const shrinking = fake('shrink', async (ctx, call) => {
      for (const item of call === 1 ? ['a', 'b'] : ['a']) ctx.out.set(items, 1, { item });
    });
    const runner = new ScrapeRunner([{ collector: shrinking, timeoutMs: 1000 }], silentLogger());
    expect(outcome(await runner.collect(1000), 'shrink').batch.samples(items)).toHaveLength(2);
    const next = outcome(await runner.collect(1000), 'shrink').batch;
    expect(next.samples(items).map((s) => s.labels.item)).toEqual(['a']);
  });

  test('a late result after the deadline never reaches a later collection', async () => {
    let finish!: () => void;
    const late = fake('late', (ctx, call) =>
      call === 1
        ? new Promise<void>((r) => {
            finish = () => {
              ctx.out.set(items, 99, { item: 'late' });
              r();
            };
          })
        : Promise.resolve(),
    );
    const runner = new ScrapeRunner([{ collector: late, timeoutMs: 100 }], silentLogger());
    await runner.collect(1000);
    finish();
    await new Promise((r) => setImmediate(r));
    const next = outcome(await runner.collect(1000), 'late').batch;
    expect(next.get(items, { item: 'late' })).toBeUndefined();
    expect(runner.latest()).toBeDefined();
  });
});

describe('scrape budget from X-Prometheus-Scrape-Timeout-Seconds', () => {
  const settings = { defaultTimeoutMs: 10_000, offsetMs: 500 };
  test.each<[string | undefined, number]>([
    ['10', 9500],
    ['3.5', 3000],
    [undefined, 9500],
    ['garbage', 9500],
    ['-4', 9500],
    ['0.2', 100],
  ])('header %s -> %d ms', (header, ms) => {
    expect(scrapeBudgetMs(header, settings)).toBe(ms);
  });
});
