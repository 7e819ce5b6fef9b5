import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one synchronous stretch of a long job may hold the event loop, in milliseconds. */
export const SLICE_MS = 4;
/** Work (in items) between two reads of the clock: reading it per item would cost more than the item. */
const CHECK_EVERY = 64;

/**
 * Cooperative time slicing for the long synchronous jobs of a big collection: decoding the queue
 * replies, rendering ~50,000 samples, building the dashboard answer and history. Each took tens
 * of milliseconds in one stretch at 1,300 queues, and every socket (a liveness probe on /health
 * first) waited for it; sliced, they wait at most one slice. The job calls `due()` between items
 * (with the item's size when items differ: `due(family.samples.length)`) and, when it says so,
 * awaits `pause()`, which lets the event loop poll its sockets once:
 *
 *   for (const item of items) {
 *     if (slicer.due()) await slicer.pause();
 *     ...
 *   }
 */
export class Slicer {
  private work = 0;
  private sliceEnd: number;

  constructor(private readonly sliceMs = SLICE_MS) {
    this.sliceEnd = performance.now() + sliceMs;
  }

  /** True when the current slice is used up and the caller should await `pause()`. */
  due(work = 1): boolean {
    this.work += work;
    if (this.work < CHECK_EVERY) return false;
    this.work = 0;
    return performance.now() >= this.sliceEnd;
  }

  /** Gives the event loop one turn (its I/O is polled before setImmediate callbacks run), then starts a new slice. */
  async pause(): Promise<void> {
    await nextTurn();
    this.sliceEnd = performance.now() + this.sliceMs;
  }
}

/**
 * Tasks run in the order pushed, in time slices of one Slicer: replies that arrive together (a
 * Redis answer for 1,300 queues comes in one read) are decoded between socket polls rather than
 * in one stretch. A task that throws skips the rest; `drain()` then rejects with its error.
 */
export class SlicedQueue {
  private tail: Promise<void> = Promise.resolve();
  private failure?: { readonly error: unknown };

  constructor(private readonly slicer = new Slicer()) {}

  /** Queues `task`; `work` is its size for the slicer (items it handles). */
  push(task: () => void, work = 1): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      if (this.slicer.due(work)) await this.slicer.pause();
      try {
        task();
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  /** Resolves when every task ran; rejects with the first task's error. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure.error;
  }
}
