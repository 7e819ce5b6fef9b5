import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full GC once a scrape's answer is sent, when the heap has grown enough since the last one.
 *
 * A scrape's garbage is all dead once its answer is sent, but what outlived two scavenges sits in
 * the old space until V8's next mark-compact, and V8 lets the old space grow to about 4x the live
 * heap first (its growing factor on a machine with memory to spare). At 1,000 queues, everything
 * on, back-to-back scrapes: 31 MB live, mark-compacts at 120-128 MB, 196 MB RSS. Collecting when
 * the heap has grown by half of what it held after the last collection (8 MB at least): 113-115 MB
 * RSS, and less CPU than before the answer buffer was reused (bench/RESULTS.md). Collecting at a
 * quarter cost 25% more CPU for no less RSS; at three quarters, 7 MB more RSS for the same CPU.
 * The budget grows with the live heap, so the GC's share of the CPU stays the same at any size.
 */
export class GcAfterScrape {
  private base: number;
  private pending = false;
  /** Full GCs asked for so far. */
  collections = 0;

  constructor(
    private readonly gc: () => void,
    private readonly inUse: () => number = heapInUse,
    private readonly growth = 0.5,
    private readonly minBytes = 8 * 1024 * 1024,
  ) {
    this.base = inUse();
  }

  /** Called once a scrape's answer has been sent. */
  scrapeDone(): void {
    const now = this.inUse();
    // Lower than after the last collection: V8 collected by itself since.
    if (now < this.base) this.base = now;
    if (this.pending || now - this.base < Math.max(this.minBytes, this.base * this.growth)) return;
    this.pending = true;
    // Outside the response's 'finish' handlers, once this turn of the event loop is done.
    setImmediate(() => {
      this.gc();
      this.collections++;
      this.pending = false;
      this.base = this.inUse();
    });
  }
}

/** V8 heap in use plus memory held by Buffers (freed by the same collection). */
function heapInUse(): number {
  const h = v8.getHeapStatistics();
  return h.used_heap_size + h.external_memory;
}

/**
 * V8's `gc()`, without a command-line flag, so `node dist/cli.js` behaves as `npm start` does.
 * The flag set at run time applies to contexts created afterwards: the function comes from one.
 */
export function exposedGc(): () => void {
  const given = (globalThis as { gc?: () => void }).gc;
  if (given) return given;
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
