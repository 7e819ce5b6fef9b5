// A small BullMQ workload for the compose `demo` profile: three queues, workers that sometimes
// fail and retry, delayed and prioritized jobs, so a newcomer sees every dashboard panel move.
const { Queue, Worker } = require('bullmq');

const connection = { url: process.env.REDIS_URL || 'redis://redis:6379' };
const queues = ['images', 'emails', 'reports'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  for (const name of queues) {
    const queue = new Queue(name, { connection });
    new Worker(
      name,
      async () => {
        await sleep(50 + Math.random() * (name === 'reports' ? 3000 : 400));
        if (Math.random() < 0.08) throw new Error(`demo failure in ${name}`);
      },
      { connection, concurrency: name === 'images' ? 4 : 2, metrics: { maxDataPoints: 60 * 24 } },
    );
    setInterval(() => {
      const n = Math.floor(Math.random() * 6);
      for (let i = 0; i < n; i++) {
        void queue.add(
          'demo',
          { at: Date.now() },
          {
            attempts: 3,
            backoff: { type: 'exponential', delay: 1000 },
            delay: Math.random() < 0.1 ? 30_000 : 0,
            priority: Math.random() < 0.2 ? 1 : undefined,
            removeOnComplete: { count: 1000 },
            removeOnFail: { count: 1000 },
          },
        );
      }
    }, 1000);
  }
  console.log(`demo workload running on ${queues.join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
