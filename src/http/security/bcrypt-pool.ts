import { Worker } from 'node:worker_threads';

/**
 * bcrypt compares on a worker thread, so a flood of wrong passwords (each ~100 ms of CPU by
 * design) never holds the event loop: /health and scrapes keep answering. At most `maxPending`
 * checks wait or run at once; beyond that `compare` answers `busy` at once (the caller answers
 * 429), so the queue, and the delay it adds, stay bounded.
 */

// The thread runs at the lowest CPU priority (on Linux a nice value is per thread): on a busy
// machine a flood of checks then takes CPU time the event loop does not need, never the reverse.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
try { require('node:os').setPriority(19); } catch {}
const bcrypt = require(${JSON.stringify(require.resolve('bcryptjs'))});
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});
`;

export type CompareResult = 'match' | 'mismatch' | 'busy';

export class BcryptPool {
  private worker?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  constructor(readonly maxPending = 4) {}

  /** Checks in progress or queued. */
  get inFlight(): number {
    return this.pending.size;
  }

  compare(password: string, hash: string): Promise<CompareResult> {
    if (this.pending.size >= this.maxPending) return Promise.resolve('busy');
    const worker = this.start();
    const id = this.nextId++;
    // Referenced only while a check is pending: an idle worker never keeps the process alive.
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, (ok) => resolve(ok ? 'match' : 'mismatch'));
      worker.postMessage({ id, password, hash });
    });
  }

  /** Started on the first check (no thread for exporters without basic auth); never keeps the process alive. */
  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      const done = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      done?.(ok);
    });
    const fail = () => {
      // A crashed worker fails its checks closed (no access) and is replaced at the next check.
      if (this.worker === worker) this.worker = undefined;
      for (const done of this.pending.values()) done(false);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}
