import { setImmediate as turn } from 'node:timers/promises';
import { GcAfterScrape, exposedGc } from '../../src/runner/gc-after-scrape';

const MB = 1024 * 1024;

/** A heap whose size the test sets; `gc()` brings it back to `live`. */
function fakeHeap(startMb: number) {
  const heap = { inUse: startMb * MB, live: startMb * MB, gcs: 0 };
  const gc = () => {
    heap.gcs++;
    heap.inUse = heap.live;
  };
  return { heap, gc, inUse: () => heap.inUse };
}

describe('GcAfterScrape: a full GC after a scrape once the heap has grown enough', () => {
  test('collects once the heap grew by half its size after the last collection, not before', async () => {
    const { heap, gc, inUse } = fakeHeap(40);
    const policy = new GcAfterScrape(gc, inUse);
    heap.inUse = 59 * MB; // +19 MB: under half of 40 MB
    policy.scrapeDone();
    await turn();
    expect(heap.gcs).toBe(0);
    heap.inUse = 61 * MB; // +21 MB
    policy.scrapeDone();
    expect(heap.gcs).toBe(0); // not inside the caller's turn
    await turn();
    expect(heap.gcs).toBe(1);
    expect(policy.collections).toBe(1);
  });

  test('small heaps wait for 8 MB of growth; one collection at a time', async () => {
    const { heap, gc, inUse } = fakeHeap(8);
    const policy = new GcAfterScrape(gc, inUse);
    heap.inUse = 15 * MB;
    policy.scrapeDone();
    await turn();
    expect(heap.gcs).toBe(0);
    heap.inUse = 17 * MB;
    policy.scrapeDone();
    policy.scrapeDone();
    await turn();
    expect(heap.gcs).toBe(1);
  });

  test('the base follows the live heap: down when V8 collected by itself, up after a collection', async () => {
    const { heap, gc, inUse } = fakeHeap(40);
    const policy = new GcAfterScrape(gc, inUse);
    heap.inUse = 30 * MB; // V8 collected: the base is now 30 MB
    policy.scrapeDone();
    heap.inUse = 46 * MB; // +16 MB over 30: over half of 30
    policy.scrapeDone();
    await turn();
    expect(heap.gcs).toBe(1);

    heap.live = 80 * MB; // more queues: the live heap grew
    heap.inUse = 110 * MB;
    policy.scrapeDone();
    await turn();
    expect(heap.gcs).toBe(2);
    heap.inUse = 115 * MB; // +35 MB over 80: under half of 80
    policy.scrapeDone();
    await turn();
    expect(heap.gcs).toBe(2);
  });

  test("exposedGc gives V8's gc() without the command-line flag, and it frees unreachable objects", async () => {
    const gc = exposedGc();
    let target: object | undefined = { big: new Array(1000).fill('x') };
    const ref = new WeakRef(target);
    target = undefined;
    await turn(); // WeakRef targets stay alive for the rest of the turn they were created in
    gc();
    expect(ref.deref()).toBeUndefined();
  });
});
