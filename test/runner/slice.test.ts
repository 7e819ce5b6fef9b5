import { Slicer, SlicedQueue } from '../../src/runner/slice';

/** Spins for `ms` of wall time: a stand-in for a slice of synchronous work. */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('Slicer: long synchronous work gives the event loop back', () => {
  test('a sliced loop lets an I/O-phase callback run in between; an unsliced one does not', async () => {
    const run = async (sliced: boolean) => {
      const slicer = new Slicer(2);
      let ranAt = -1;
      setImmediate(() => (ranAt = done));
      let done = 0;
      for (; done < 400; done++) {
        busy(0.05);
        if (sliced && slicer.due()) await slicer.pause();
      }
      await new Promise((r) => setImmediate(r));
      return ranAt;
    };
    expect(await run(false)).toBe(400);
    const sliced = await run(true);
    expect(sliced).toBeGreaterThan(0);
    expect(sliced).toBeLessThan(400);
  });

  test('due() weighs items by their size and reads the clock only every 64 units', () => {
    const slicer = new Slicer(0);
    busy(1);
    expect(slicer.due(63)).toBe(false);
    expect(slicer.due(1)).toBe(true);
    expect(slicer.due(100)).toBe(true);
  });
});

describe('SlicedQueue', () => {
  test('runs tasks in order, then drain resolves', async () => {
    const queue = new SlicedQueue(new Slicer(0));
    const seen: number[] = [];
    for (let i = 0; i < 200; i++) queue.push(() => seen.push(i), 16);
    await queue.drain();
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  test('a task that throws skips the rest, and drain rejects with its error', async () => {
    const queue = new SlicedQueue();
    const seen: number[] = [];
    queue.push(() => seen.push(1));
    queue.push(() => {
      throw new Error('bad reply');
    });
    queue.push(() => seen.push(3));
    await expect(queue.drain()).rejects.toThrow('bad reply');
    expect(seen).toEqual([1]);
  });
});
