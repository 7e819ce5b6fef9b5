import { Cluster } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { BullmqCollector } from '../../src/collectors/bullmq/collector';
import { bullmqMetrics as bm } from '../../src/collectors/bullmq/metrics';
import { RedisCollector } from '../../src/collectors/redis/collector';
import { redisMetrics as rm } from '../../src/collectors/redis/metrics';
import { keySlot } from '../../src/clients/cluster-slot';
import { silentLogger } from '../../src/log/logger';
import type { MetricBatch } from '../../src/metrics/batch';
import type { MetricDef } from '../../src/metrics/define';
import { promtoolCheckMetrics, startExporter } from '../harness/exporter';
import { waitFor } from '../harness/process';
import { startRedisCluster, type RedisClusterHarness } from '../harness/redis-cluster';
import { collectOnce, renderBatch } from '../harness/collect';
import { testConfig } from './bullmq/support';

/**
 * A real Redis Cluster on loopback (3 masters, 3 replicas) with real BullMQ queues on every
 * master: queues under a hash-tagged prefix (`{bull}`, one slot) and queues with hash-tagged names
 * under a plain prefix (`bull:{orders-N}`, spread over the masters). The exporter must agree with
 * BullMQ, read each master in one pipeline, and get through a master being killed.
 */

const TAGGED_PREFIX = '{bull}';
const PLAIN_PREFIX = 'bull';
const TAGGED_QUEUES = ['emails', 'reports', 'exports'];

let cluster: RedisClusterHarness;
let bullConnection: Cluster;
const queues: Queue[] = [];
let orderQueues: string[] = [];
let taggedCollector: BullmqCollector;
let plainCollector: BullmqCollector;
let redisCollector: RedisCollector;

// Discovery every minute: no background SCAN runs between two collections the test compares.
const bullmqConfig = testConfig({ collectors: { bullmq: { discoveryInterval: '60s' } } }).collectors.bullmq;

/** One sample's value, or undefined when the series is absent. */
const value = (batch: MetricBatch, def: MetricDef, labels: Record<string, string> = {}) =>
  batch.samples(def).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

const masterOfSlot = (slot: number) => cluster.masterOfSlot(slot);

/** evalsha and client|list calls per master, from INFO commandstats. */
async function commandCalls(): Promise<Map<number, { evalsha: number; clientList: number }>> {
  const out = new Map<number, { evalsha: number; clientList: number }>();
  for (const port of await cluster.masterPorts()) {
    const text = await cluster.cli(port, 'info', 'commandstats');
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
    out.set(port, { evalsha: calls('evalsha'), clientList: calls('client\\|list') });
  }
  return out;
}

async function expectCountsMatch(batch: MetricBatch, names: readonly string[]) {
  for (const name of names) {
    const queue = queues.find(
      (q) => q.name === name && q.opts.prefix === (name.startsWith('{') ? PLAIN_PREFIX : TAGGED_PREFIX),
    )!;
    const counts = await queue.getJobCounts();
    for (const [state, count] of Object.entries(counts))
      expect({ name, state, count: value(batch, bm.jobs, { queue: name, state }) }).toEqual({ name, state, count });
  }
  expect(queuesRead(batch)).toEqual([...names].sort());
}

/** The queues a collection read (those with counts), sorted. */
const queuesRead = (batch: MetricBatch): string[] =>
  [...new Set(batch.samples(bm.jobs).map((s) => s.labels.queue))].sort();

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 });
  bullConnection = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0].port }], {
    redisOptions: { maxRetriesPerRequest: null },
  });
  // Name-tagged queues until every master serves at least two.
  const masters = await cluster.masterPorts();
  const perMaster = new Map(masters.map((p) => [p, 0]));
  for (let n = 0; [...perMaster.values()].some((c) => c < 2); n++) {
    const name = `{orders-${n}}`;
    const port = await masterOfSlot(keySlot(`${PLAIN_PREFIX}:${name}:wait`));
    if (perMaster.get(port)! >= 2) continue;
    perMaster.set(port, perMaster.get(port)! + 1);
    orderQueues.push(name);
  }
  orderQueues = orderQueues.sort();
  for (const name of TAGGED_QUEUES) queues.push(new Queue(name, { connection: bullConnection, prefix: TAGGED_PREFIX }));
  for (const name of orderQueues) queues.push(new Queue(name, { connection: bullConnection, prefix: PLAIN_PREFIX }));
  let n = 0;
  for (const queue of queues) {
    n++;
    await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'job', data: { i } })));
    await queue.add('later', {}, { delay: 3_600_000 });
    if (n % 2) await queue.add('urgent', {}, { priority: 2 });
  }
  // Completed and failed jobs on one queue of each kind, by a real Worker on the cluster.
  for (const queue of [queues[0], queues[TAGGED_QUEUES.length]]) {
    const worker = new Worker(
      queue.name,
      async (job) => {
        if (job.data.i === 0) throw new Error('boom');
        return 'ok';
      },
      { connection: bullConnection, prefix: queue.opts.prefix },
    );
    await waitFor(`${queue.name} drained`, async () => (await queue.getJobCounts()).waiting === 0, 20_000);
    await worker.close();
  }
  const connection = { url: cluster.url };
  taggedCollector = new BullmqCollector(
    bullmqConfig,
    connection,
    { prefix: TAGGED_PREFIX, queues: [] },
    silentLogger(),
  );
  plainCollector = new BullmqCollector(bullmqConfig, connection, { prefix: PLAIN_PREFIX, queues: [] }, silentLogger());
  redisCollector = new RedisCollector(connection, silentLogger());
}, 90_000);

afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  bullConnection?.disconnect();
  await Promise.all([taggedCollector?.close(), plainCollector?.close(), redisCollector?.close()]);
  await cluster?.stop();
}, 30_000);

test('cluster mode is found from INFO on the seed URL; every queue is found, both kinds of hash tag', async () => {
  const tagged = await collectOnce(taggedCollector);
  const plain = await collectOnce(plainCollector);
  expect(taggedCollector.endpoint.mode).toBe('cluster');
  expect(plainCollector.endpoint.mode).toBe('cluster');
  expect(value(tagged, bm.queues)).toBe(TAGGED_QUEUES.length);
  expect(value(plain, bm.queues)).toBe(orderQueues.length);
  expect(queuesRead(tagged)).toEqual([...TAGGED_QUEUES].sort());
  expect(queuesRead(plain)).toEqual(orderQueues);
  // The name-tagged queues are spread over every master.
  const masters = await cluster.masterPorts();
  const used = new Set(await Promise.all(orderQueues.map((q) => masterOfSlot(keySlot(`${PLAIN_PREFIX}:${q}:id`)))));
  expect([...used].sort()).toEqual(masters);
});

test('counts equal getJobCounts() for every queue', async () => {
  const tagged = await collectOnce(taggedCollector);
  const plain = await collectOnce(plainCollector);
  await expectCountsMatch(tagged, TAGGED_QUEUES);
  await expectCountsMatch(plain, orderQueues);
  expect(promtoolCheckMetrics(renderBatch(tagged))).toBe('');
  expect(promtoolCheckMetrics(renderBatch(plain))).toBe('');
});

test('one pipeline per master per scrape: script calls per master follow slots, not queues', async () => {
  await collectOnce(plainCollector); // warm: scripts loaded, discovery done
  const stats = plainCollector.endpoint.cluster.stats;
  const pipelines = new Map(stats.pipelinesByNode);
  const roundTrips = stats.roundTrips;
  const calls = await commandCalls();
  await collectOnce(plainCollector);
  const after = await commandCalls();
  const masters = await cluster.masterPorts();
  // No job finished in between: one round trip, written to every master at once.
  expect(stats.roundTrips - roundTrips).toBe(1);
  for (const port of masters) {
    const node = `127.0.0.1:${port}`;
    expect({ node, pipelines: stats.pipelinesByNode.get(node)! - pipelines.get(node)! }).toEqual({
      node,
      pipelines: 1,
    });
    expect({ node, clientList: after.get(port)!.clientList - calls.get(port)!.clientList }).toEqual({
      node,
      clientList: 1,
    });
    // Hash-tagged names: one slot per queue, so one call per queue, all in this node's one pipeline.
    const slotsHere = new Set<number>();
    for (const q of orderQueues) {
      const slot = keySlot(`${PLAIN_PREFIX}:${q}:`);
      if ((await masterOfSlot(slot)) === port) slotsHere.add(slot);
    }
    expect({ node, evalsha: after.get(port)!.evalsha - calls.get(port)!.evalsha }).toEqual({
      node,
      evalsha: slotsHere.size,
    });
  }
  // {bull}: every queue in one slot, so one script call for all of them.
  const taggedCalls = await commandCalls();
  await collectOnce(taggedCollector);
  const taggedAfter = await commandCalls();
  const taggedMaster = await masterOfSlot(keySlot(`${TAGGED_PREFIX}:x`));
  for (const port of masters)
    expect(taggedAfter.get(port)!.evalsha - taggedCalls.get(port)!.evalsha).toBe(port === taggedMaster ? 1 : 0);
});

test('the redis collector reads every master, labelled by node, with the cluster state', async () => {
  const batch = await collectOnce(redisCollector);
  expect(redisCollector.endpoint.mode).toBe('cluster');
  // redis_up is the runner's (1: the collection did not throw).
  const masters = await cluster.masterPorts();
  for (const port of masters) {
    const node = `127.0.0.1:${port}`;
    expect(value(batch, rm.clusterNodeUp, { node })).toBe(1);
    expect(value(batch, rm.clusterState, { node })).toBe(1);
    expect(value(batch, rm.clusterSlotsAssigned, { node })).toBe(16384);
    expect(value(batch, rm.clusterSlotsOk, { node })).toBe(16384);
    expect(value(batch, rm.clusterKnownNodes, { node })).toBe(6);
    expect(value(batch, rm.clusterSize, { node })).toBe(3);
    expect(value(batch, rm.connectedReplicas, { node })).toBe(1);
    expect(value(batch, rm.instanceInfo, { node, role: 'master', mode: 'cluster' })).toBe(1);
  }
  // Bounded: one series per master for each per-node metric.
  expect(batch.samples(rm.clusterState).length).toBe(masters.length);
  expect(promtoolCheckMetrics(renderBatch(batch))).toBe('');
});

test('jobs that finish between two scrapes reach the counters and histograms (a second pipeline per master holding them)', async () => {
  const targets = [queues[1], queues[TAGGED_QUEUES.length + 1]];
  const collectorOf = (q: Queue) => (q.opts.prefix === TAGGED_PREFIX ? taggedCollector : plainCollector);
  const before = await Promise.all(
    targets.map(
      async (q) => value(await collectOnce(collectorOf(q)), bm.finished, { queue: q.name, status: 'completed' }) ?? 0,
    ),
  );
  for (const queue of targets) {
    const waiting = (await queue.getJobCounts()).waiting;
    const worker = new Worker(queue.name, async () => 'ok', { connection: bullConnection, prefix: queue.opts.prefix });
    await waitFor(`${queue.name} drained`, async () => (await queue.getJobCounts()).waiting === 0, 20_000);
    await worker.close();
    expect(waiting).toBeGreaterThan(0);
  }
  for (const [i, queue] of targets.entries()) {
    const collector = collectorOf(queue);
    const stats = collector.endpoint.cluster.stats;
    const roundTrips = stats.roundTrips;
    const batch = await collectOnce(collector);
    expect(stats.roundTrips - roundTrips).toBe(2);
    const completed = (await queue.getJobCounts()).completed;
    const observed = value(batch, bm.finished, { queue: queue.name, status: 'completed' })!;
    // Every job completed since the first scrape of this queue was seen once.
    expect(observed - before[i]).toBeGreaterThan(0);
    expect(value(batch, bm.jobs, { queue: queue.name, state: 'completed' })).toBe(completed);
    expect(batch.histogram(bm.processingDuration, { queue: queue.name })?.count).toBe(observed);
  }
});

interface Scrape {
  readonly collector: string;
  readonly ms: number;
  readonly batch?: MetricBatch;
  readonly error?: string;
}

async function scrape(collector: BullmqCollector | RedisCollector, name: string, budgetMs: number): Promise<Scrape> {
  const started = Date.now();
  try {
    const batch = await collectOnce(collector, budgetMs);
    return { collector: name, ms: Date.now() - started, batch };
  } catch (err) {
    return { collector: name, ms: Date.now() - started, error: String(err) };
  }
}

test('workers: CLIENT LIST on every master, a queue counts the most any master shows (as BullMQ getWorkers)', async () => {
  const targets = [queues[0], queues[TAGGED_QUEUES.length], queues[queues.length - 1]];
  const workers = targets.map(
    (queue) =>
      new Worker(queue.name, async () => 'ok', { connection: bullConnection, prefix: queue.opts.prefix, name: 'w' }),
  );
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    await waitFor('workers visible to BullMQ', async () => {
      const seen = await Promise.all(targets.map(async (q) => (await q.getWorkers()).length));
      return seen.every((n) => n === 1);
    });
    const tagged = await collectOnce(taggedCollector);
    const plain = await collectOnce(plainCollector);
    for (const queue of targets) {
      const batch = queue.opts.prefix === TAGGED_PREFIX ? tagged : plain;
      expect({ queue: queue.name, workers: value(batch, bm.workers, { queue: queue.name }) }).toEqual({
        queue: queue.name,
        workers: 1,
      });
    }
    expect(value(plain, bm.workers, { queue: orderQueues[1] })).toBe(0);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
});

test('keySlot agrees with CLUSTER KEYSLOT, hash tags and bytes included', async () => {
  const keys = ['{bull}:emails:wait', 'bull:{orders-3}:meta', 'plain', 'a{}b', '{{x}}', 'ünï{cödé}', '名前'];
  for (const key of keys) {
    const answer = Number((await cluster.cli(cluster.nodes[0].port, 'cluster', 'keyslot', key)).trim());
    expect({ key, slot: keySlot(Buffer.from(key, 'utf8')) }).toEqual({ key, slot: answer });
  }
});

test('the built exporter on a cluster: /metrics is lint-clean, both collectors up, counts exact', async () => {
  const exporter = await startExporter([], {
    REDIS_URL: `${cluster.url},redis://127.0.0.1:${cluster.nodes[1].port}`,
    BULLMQ_PREFIX: TAGGED_PREFIX,
    JOBSTACK_LOG_LEVEL: 'warn',
  });
  try {
    const text = await exporter.scrape();
    expect(promtoolCheckMetrics(text)).toBe('');
    expect(text).toMatch(/^redis_up 1$/m);
    expect(text).toMatch(/^bullmq_up 1$/m);
    expect(text).toMatch(/^redis_cluster_state\{node="127\.0\.0\.1:\d+"\} 1$/m);
    for (const name of TAGGED_QUEUES) {
      const queue = queues.find((q) => q.name === name && q.opts.prefix === TAGGED_PREFIX)!;
      const { waiting } = await queue.getJobCounts();
      expect(text).toContain(`bullmq_jobs{queue="${name}",state="waiting"} ${waiting}\n`);
    }
  } finally {
    await exporter.stop();
  }
});

test('the {bull} slot resharded to another master during scrapes: no hang, exact counts once it has moved', async () => {
  const budgetMs = 2000;
  const slot = keySlot(TAGGED_PREFIX);
  const sourcePort = await masterOfSlot(slot);
  const targetPort = (await cluster.masterPorts()).find((p) => p !== sourcePort)!;
  const id = async (port: number) => (await cluster.cli(port, 'cluster', 'myid')).trim();
  const [sourceId, targetId] = [await id(sourcePort), await id(targetPort)];
  const scrapes: Scrape[] = [];
  const scrapeBoth = async () => {
    scrapes.push(await scrape(taggedCollector, 'tagged', budgetMs), await scrape(redisCollector, 'redis', budgetMs));
  };
  const migrate = async (count: number) => {
    const keys = (await cluster.cli(sourcePort, 'cluster', 'getkeysinslot', String(slot), String(count)))
      .split('\n')
      .filter((k) => k !== '');
    if (keys.length)
      await cluster.cli(sourcePort, 'migrate', '127.0.0.1', String(targetPort), '', '0', '5000', 'keys', ...keys);
    return keys.length;
  };
  await scrapeBoth();
  await cluster.cli(targetPort, 'cluster', 'setslot', String(slot), 'importing', sourceId);
  await cluster.cli(sourcePort, 'cluster', 'setslot', String(slot), 'migrating', targetId);
  await scrapeBoth();
  expect(await migrate(10)).toBeGreaterThan(0); // half way: some keys on each node (ASK redirections)
  await scrapeBoth();
  // Mid-migration the slot's queues report a read error; the collection itself succeeds.
  const midway = scrapes[scrapes.length - 2];
  expect(midway.error).toBeUndefined();
  for (const name of TAGGED_QUEUES) expect(value(midway.batch!, bm.readError, { queue: name })).toBe(1);
  while ((await migrate(100)) > 0);
  await scrapeBoth();
  for (const port of await cluster.masterPorts())
    await cluster.cli(port, 'cluster', 'setslot', String(slot), 'node', targetId);
  await scrapeBoth();
  expect(await masterOfSlot(slot)).toBe(targetPort);
  // Never a hang nor a failed collection, whatever the step (MOVED after the move is followed).
  expect(Math.max(...scrapes.map((s) => s.ms))).toBeLessThanOrEqual(budgetMs + 300);
  expect(scrapes.filter((s) => s.error !== undefined).map((s) => s.error)).toEqual([]);
  // Moved: within two scrapes (the first may still learn the new owner from MOVED), exact counts.
  let exact = false;
  for (let i = 0; i < 3 && !exact; i++) {
    const result = await scrape(taggedCollector, 'tagged', budgetMs);
    if (!result.batch) continue;
    try {
      await expectCountsMatch(result.batch, TAGGED_QUEUES);
      exact = true;
    } catch {
      /* next scrape */
    }
  }
  console.log(
    `resharding: ${scrapes.length} scrapes during the move, ${scrapes.filter((s) => s.error).length} failed, ` +
      `longest ${Math.max(...scrapes.map((s) => s.ms))} ms; errors: ${scrapes
        .filter((s) => s.error)
        .map((s) => s.error!.slice(0, 80))
        .join(' | ')}`,
  );
  expect(exact).toBe(true);
});

// Last: it changes the cluster (one master dies for good, its replica takes over).
test('a master killed during scrapes: every scrape ends within its deadline; after the promotion counts are exact again', async () => {
  const budgetMs = 2000;
  // The master holding the {bull} queues and some {orders-N} ones.
  const victimPort = await masterOfSlot(keySlot(`${TAGGED_PREFIX}:x`));
  const victim = cluster.nodes.find((n) => n.port === victimPort)!;
  const collectors = { tagged: taggedCollector, plain: plainCollector, redis: redisCollector };
  const round = () => Promise.all(Object.entries(collectors).map(([name, c]) => scrape(c, name, budgetMs)));
  expect((await round()).every((s) => s.error === undefined)).toBe(true);

  victim.child.signal('SIGKILL');
  const killedAt = Date.now();
  const scrapes: Scrape[] = [];
  let healthyAt: number | undefined;
  let recoveredAt: number | undefined;
  while (Date.now() - killedAt < 45_000) {
    const results = await round();
    scrapes.push(...results);
    if (healthyAt === undefined) {
      try {
        await cluster.waitHealthy(3, 1);
        healthyAt = Date.now();
      } catch {
        /* not yet */
      }
    }
    // Recovered: every collector answers, and the redis collector sees three masters in state ok
    // (the promoted replica included: it is learnt from a new slot map).
    const redis = results.find((s) => s.collector === 'redis')?.batch;
    const mastersOk = redis?.samples(rm.clusterState).filter((s) => s.value === 1).length ?? 0;
    if (healthyAt !== undefined && results.every((s) => s.error === undefined) && mastersOk === 3) {
      recoveredAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const failed = scrapes.filter((s) => s.error !== undefined);
  const longest = Math.max(...scrapes.map((s) => s.ms));
  console.log(
    `failover: ${scrapes.length} scrapes, ${failed.length} failed, longest ${longest} ms (budget ${budgetMs} ms); ` +
      `cluster ok ${healthyAt! - killedAt} ms after the kill, every collector answering ${recoveredAt! - killedAt} ms after; ` +
      `errors: ${[...new Set(failed.map((s) => `${s.collector}: ${s.error!.slice(0, 100)}`))].slice(0, 6).join(' | ')}`,
  );
  // Never a hang: each scrape answered within its deadline (and a little scheduling slack).
  expect(longest).toBeLessThanOrEqual(budgetMs + 300);
  expect(healthyAt).toBeDefined();
  expect(recoveredAt).toBeDefined();
  // Within three rounds of the cluster being whole again, every collector is back.
  expect(recoveredAt! - healthyAt!).toBeLessThanOrEqual(3 * (budgetMs + 250));

  // Exact counts after the promotion, from both collectors; the promoted replica is a master now.
  const tagged = await collectOnce(taggedCollector);
  const plain = await collectOnce(plainCollector);
  await expectCountsMatch(tagged, TAGGED_QUEUES);
  await expectCountsMatch(plain, orderQueues);
  const redis = await collectOnce(redisCollector);
  const masters = await cluster.masterPorts();
  expect(masters).not.toContain(victimPort);
  for (const port of masters) {
    expect(value(redis, rm.clusterState, { node: `127.0.0.1:${port}` })).toBe(1);
    expect(value(redis, rm.clusterNodeUp, { node: `127.0.0.1:${port}` })).toBe(1);
  }
}, 90_000);
