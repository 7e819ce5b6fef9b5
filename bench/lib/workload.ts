import Redis from 'ioredis';
import { FlowProducer, Queue, Worker, type Job } from 'bullmq';
import { waitFor } from '../../test/harness/process';

/**
 * A realistic BullMQ workload made with real BullMQ objects on a Redis of the benchmark's own:
 * jobs run to completion or failure by real Workers (some failing for good, some retried, half
 * the workers keeping `metrics`), then jobs left waiting, delayed, prioritized and waiting for
 * children, some queues paused or limited, and every `connectedEvery`-th queue keeps a Worker
 * connected that holds one job active (so worker counts and active ages are not zero).
 */
export interface WorkloadOptions {
  /** Jobs per queue run to an end (completed or failed) by transient Workers. */
  readonly finishedPerQueue?: number;
  /** Every n-th queue keeps a connected Worker holding one active job; 0 for none. */
  readonly connectedEvery?: number;
  /** Queues filled at once (each batch gets its own transient Workers). */
  readonly batch?: number;
}

export interface Workload {
  readonly names: string[];
  /** Workers left connected (each holds one job active until close). */
  readonly connectedWorkers: number;
  /** Adds queues `from`..`to-1` (names are stable, so a workload can grow between measurements). */
  grow(to: number): Promise<void>;
  /** A Worker per named queue plus a producer adding `perSecond` jobs across them, until `stop`. */
  live(queues: readonly string[], perSecond: number): { stop(): Promise<{ produced: number }> };
  close(): Promise<void>;
}

export const queueName = (i: number) => `queue-${String(i).padStart(4, '0')}`;

async function processor(job: Job): Promise<string> {
  if (job.data.fail === 'always' || (job.data.fail === 'once' && job.attemptsMade === 0))
    throw new Error(`failed: ${String(job.data.n)}`);
  if (job.data.sleep) await new Promise((r) => setTimeout(r, job.data.sleep));
  return 'done';
}

const KEEP = { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } } as const;

export function createWorkload(port: number, options: WorkloadOptions = {}): Workload {
  const finishedPerQueue = options.finishedPerQueue ?? 20;
  const connectedEvery = options.connectedEvery ?? 20;
  const batchSize = options.batch ?? 50;
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const shared = new Redis({ port, maxRetriesPerRequest: null });
  const names: string[] = [];
  const holders: Worker[] = [];
  const releases: (() => void)[] = [];

  async function fillBatch(batch: readonly string[], firstIndex: number): Promise<void> {
    const queues = batch.map((name) => new Queue(name, { connection: shared }));
    await Promise.all(
      queues.map((q) =>
        q.addBulk(
          Array.from({ length: finishedPerQueue }, (_, n) => ({
            name: n % 3 ? 'send-email' : 'render-report',
            data: { n, fail: n % 10 === 0 ? 'always' : n % 7 === 0 ? 'once' : undefined, payload: 'x'.repeat(200) },
            opts: { attempts: 2, backoff: { type: 'fixed', delay: 10 }, ...KEEP },
          })),
        ),
      ),
    );
    const workers = batch.map(
      (name, i) =>
        new Worker(name, processor, {
          connection,
          concurrency: 10,
          ...((firstIndex + i) % 2 ? { metrics: { maxDataPoints: 60 } } : {}),
        }),
    );
    await waitFor(
      'batch processed',
      async () => {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts('completed', 'failed')));
        return counts.every((c) => (c.completed ?? 0) + (c.failed ?? 0) === finishedPerQueue);
      },
      300_000,
      50,
    );
    await Promise.all(workers.map((w) => w.close()));
    const flow = new FlowProducer({ connection: shared });
    await Promise.all(
      queues.map(async (q, j) => {
        const i = firstIndex + j;
        await q.addBulk(Array.from({ length: 10 }, (_, n) => ({ name: 'send-email', data: { n }, opts: KEEP })));
        if (i % 5 === 0)
          await q.addBulk(
            Array.from({ length: 5 }, (_, n) => ({
              name: 'reminder',
              data: { n },
              opts: { delay: 3_600_000 * (n + 1) },
            })),
          );
        if (i % 7 === 0)
          await q.addBulk(
            Array.from({ length: 3 }, (_, n) => ({ name: 'urgent', data: { n }, opts: { priority: n + 1 } })),
          );
        if (i % 20 === 0)
          await flow.add({
            name: 'parent',
            queueName: q.name,
            children: [{ name: 'child', queueName: q.name, data: {} }],
          });
        if (i % 50 === 7) await q.pause();
        if (i % 100 === 3) await q.setGlobalConcurrency(5);
      }),
    );
    await flow.close();
    await Promise.all(queues.map((q) => q.close()));
    // Connected workers: each takes one waiting job and holds it until the workload closes.
    for (const [j, name] of batch.entries()) {
      if (!connectedEvery || (firstIndex + j) % connectedEvery !== 0 || (firstIndex + j) % 50 === 7) continue;
      const holder = new Worker(
        name,
        () => new Promise<string>((resolve) => releases.push(() => resolve('released'))),
        { connection, concurrency: 1 },
      );
      holders.push(holder);
    }
  }

  const workload: Workload = {
    names,
    get connectedWorkers() {
      return holders.length;
    },
    async grow(to) {
      while (names.length < to) {
        const first = names.length;
        const batch = Array.from({ length: Math.min(batchSize, to - first) }, (_, k) => queueName(first + k));
        await fillBatch(batch, first);
        names.push(...batch);
      }
      // Every connected worker has taken its job (the queue shows one active).
      await waitFor('connected workers active', () => releases.length === holders.length, 60_000, 50);
    },
    live(queues, perSecond) {
      const workers = queues.map(
        (name) => new Worker(name, processor, { connection, concurrency: 5, metrics: { maxDataPoints: 60 } }),
      );
      const producers = queues.map((name) => new Queue(name, { connection: shared }));
      let produced = 0;
      const timer = setInterval(() => {
        const q = producers[produced % producers.length];
        produced++;
        void q
          .add('live', { sleep: 20 + (produced % 7) * 10, fail: produced % 25 === 0 ? 'always' : undefined }, KEEP)
          .catch(() => undefined);
      }, 1000 / perSecond);
      return {
        async stop() {
          clearInterval(timer);
          await Promise.all(workers.map((w) => w.close()));
          await Promise.all(producers.map((q) => q.close()));
          return { produced };
        },
      };
    },
    async close() {
      for (const release of releases) release();
      await Promise.all(holders.map((w) => w.close(true)));
      shared.disconnect();
    },
  };
  return workload;
}
