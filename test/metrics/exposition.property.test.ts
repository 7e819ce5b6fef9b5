import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import Redis from 'ioredis';
import { BullmqCollector } from '../../src/collectors/bullmq/collector';
import { bullmqMetrics } from '../../src/collectors/bullmq/metrics';
import { configSchema } from '../../src/config/schema';
import { silentLogger } from '../../src/log/logger';
import { MetricBatch } from '../../src/metrics/batch';
import { defineMetric } from '../../src/metrics/define';
import { HistogramState } from '../../src/metrics/histogram';
import { render, toExpositionFamily, type TextFormat } from '../../src/metrics/render';
import { selfMetrics } from '../../src/metrics/self';
import { promtoolCheckMetrics } from '../harness/exporter';
import { startPrometheus, type PromServer } from '../harness/prometheus';
import { startRedis, type RedisServer } from '../harness/redis';
import { waitFor } from '../harness/process';

/**
 * Label escaping and exposition, property-based: arbitrary label values and queue names (any
 * Unicode code point, quotes, backslashes, newlines, empty strings) always render to text that
 * `promtool check metrics` accepts, and that a real Prometheus, scraping it in the text format
 * and in OpenMetrics, reads back to exactly the same label values and sample values.
 */

/** Characters the escaping has to get right, mixed into otherwise arbitrary strings. */
const TRICKY = [
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  '\\n',
  '\\"',
  '{',
  '}',
  '=',
  ',',
  ' ',
  '#',
  '\u0000',
  '\u2028',
  '\u{1F680}',
  'é',
  'e\u0301',
  '\uFEFF',
  '\u00A0',
];
const tricky = fc.constantFrom(...TRICKY);
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
/** Any string of code points (no lone surrogates: text from Redis or PostgreSQL is valid UTF-8). */
export const labelValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.array(fc.oneof(tricky, anyChar), { maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constant('') },
);

const value = defineMetric({
  name: 'app_property_value',
  help: 'A value with "quotes", \\ and\nnewlines in its help.',
  type: 'gauge',
  labels: ['first', 'second'],
});
const count = defineMetric({
  name: 'app_property_events_total',
  help: 'A counter.',
  type: 'counter',
  labels: ['first'],
});
const info = defineMetric({ name: 'app_property_info', help: 'An info metric.', type: 'info', labels: ['first'] });
const wait = defineMetric({
  name: 'app_property_wait_seconds',
  help: 'A histogram.',
  type: 'histogram',
  labels: ['first'],
  buckets: [0.1, 1, 10],
});

const families = (batch: MetricBatch) => [...batch.families.values()].map(toExpositionFamily);

describe('any label values', () => {
  test('render to text that promtool accepts (every family type, one promtool run per batch of values)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(labelValue, labelValue), { minLength: 1, maxLength: 60 }), (pairs) => {
        const batch = new MetricBatch();
        pairs.forEach(([first, second], i) => {
          batch.set(value, i, { first, second });
          batch.set(count, i, { first });
          batch.set(info, 1, { first });
          const h = new HistogramState(wait.buckets!);
          h.observe(i);
          batch.setHistogram(wait, h.value, { first });
        });
        expect(promtoolCheckMetrics(render(families(batch), 'prometheus'))).toBe('');
      }),
      { numRuns: 60 },
    );
  });

  test('distinct label sets stay distinct series (none replaces another)', () => {
    // A small alphabet with the separator characters, so different sets that join alike come up.
    const small = fc.array(fc.constantFrom('a', '\u0000', '\\', '"', ''), { maxLength: 4 }).map((p) => p.join(''));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(small, small), { selector: ([a, b]) => JSON.stringify([a, b]), maxLength: 30 }),
        (pairs) => {
          const batch = new MetricBatch();
          pairs.forEach(([first, second], i) => batch.set(value, i, { first, second }));
          expect(batch.samples(value)).toHaveLength(pairs.length);
          pairs.forEach(([first, second], i) => expect(batch.get(value, { first, second })).toBe(i));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * One Prometheus scrapes a small server that serves whatever the test publishes, as text
 * (`/text`) and as OpenMetrics (`/om`); `publish` waits until both jobs have scraped it.
 */
describe('read back by a real Prometheus', () => {
  let prom: PromServer;
  let redis: RedisServer;
  let admin: Redis;
  let round = 0;
  let current: Record<TextFormat, string> = { prometheus: '', openmetrics: '' };
  const server = http.createServer((req, res) => {
    const format: TextFormat = req.url === '/om' ? 'openmetrics' : 'prometheus';
    res.setHeader(
      'content-type',
      format === 'openmetrics'
        ? 'application/openmetrics-text; version=1.0.0; charset=utf-8'
        : 'text/plain; version=0.0.4; charset=utf-8',
    );
    res.end(current[format]);
  });
  const JOBS = { prometheus: 'text', openmetrics: 'om' } as const;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const job = (name: string, path: string) =>
      `  - job_name: ${name}\n    metrics_path: ${path}\n    static_configs: [{targets: ['${target}']}]\n`;
    [prom, redis] = await Promise.all([
      startPrometheus(
        `global: {scrape_interval: 200ms, scrape_timeout: 200ms}\nscrape_configs:\n${job('text', '/text')}${job('om', '/om')}`,
      ),
      startRedis(),
    ]);
    admin = new Redis({ port: redis.port, lazyConnect: true });
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    admin?.disconnect();
    server.close();
    await Promise.all([prom?.stop(), redis?.stop()]);
  });

  /** Serves the batch (plus a round marker) in both formats and waits until Prometheus scraped both. */
  async function publish(batch: MetricBatch): Promise<number> {
    round++;
    batch.set(selfMetrics.collections, round);
    current = {
      prometheus: render(families(batch), 'prometheus'),
      openmetrics: render(families(batch), 'openmetrics'),
    };
    expect(promtoolCheckMetrics(current.prometheus)).toBe('');
    for (const job of Object.values(JOBS)) {
      await waitFor(
        `job ${job} scraped round ${round}`,
        async () => {
          const up = await prom.query(`up{job="${job}"}`);
          const marker = await prom.query(`jobstack_exporter_collections_total{job="${job}"}`);
          if (up[0]?.value[1] === '0') throw new Error(`Prometheus could not scrape /${job}: see its targets page`);
          return marker[0]?.value[1] === String(round);
        },
        10_000,
        50,
      );
    }
    return round;
  }

  /** A series' label as Prometheus holds it; an empty label value means the label is absent. */
  const asRead = (text: string): string | undefined => (text === '' ? undefined : text);

  test('any label values and sample values come back unchanged, in both formats', async () => {
    const samples = fc.uniqueArray(fc.record({ first: labelValue, second: labelValue, v: fc.double() }), {
      selector: (s) => JSON.stringify([s.first, s.second]),
      minLength: 1,
      maxLength: 60,
    });
    await fc.assert(
      fc.asyncProperty(samples, async (list) => {
        const batch = new MetricBatch();
        // Prometheus keeps one series per distinct label set, and an empty value is no label:
        // label sets that only differ that way cannot be told apart, so only the first is sent.
        const sent = new Map<string, (typeof list)[number]>();
        for (const s of list) {
          const key = JSON.stringify([asRead(s.first), asRead(s.second)]);
          if (!sent.has(key)) sent.set(key, s);
        }
        for (const s of sent.values()) batch.set(value, s.v, { first: s.first, second: s.second });
        await publish(batch);
        for (const job of Object.values(JOBS)) {
          const read = await prom.query(`${value.name}{job="${job}"}`);
          const got = new Map(read.map((r) => [JSON.stringify([r.metric.first, r.metric.second]), r.value[1]]));
          expect(got.size).toBe(sent.size);
          for (const [key, s] of sent) {
            expect({ job, key, value: got.get(key) }).toEqual({ job, key, value: expect.any(String) });
            const back = Number(got.get(key)!.replace('Inf', 'Infinity'));
            // === (not Object.is): -0 is printed as 0, the same value to Prometheus.
            expect({
              job,
              key,
              back,
              sent: s.v,
              same: back === s.v || (Number.isNaN(back) && Number.isNaN(s.v)),
            }).toMatchObject({ same: true });
          }
        }
      }),
      { numRuns: 8 },
    );
  });

  test('any queue names, read by the BullMQ collector from a real Redis, come back as the same queue labels', async () => {
    // Queue names are never empty (the config requires it); anything else goes.
    const names = fc.uniqueArray(
      labelValue.filter((q) => q !== ''),
      { minLength: 1, maxLength: 40 },
    );
    const config = configSchema.parse({}).collectors.bullmq;
    await fc.assert(
      fc.asyncProperty(names, async (queues) => {
        await admin.flushall();
        const setup = admin.pipeline();
        queues.forEach((queue, i) => {
          setup.hset(`bull:${queue}:meta`, 'opts.maxLenEvents', '10000');
          for (let j = 0; j <= i % 3; j++) setup.lpush(`bull:${queue}:wait`, `job-${j}`);
        });
        await setup.exec();
        const collector = new BullmqCollector(
          config,
          { url: `redis://127.0.0.1:${redis.port}` },
          { prefix: 'bull', queues },
          silentLogger,
        );
        try {
          const batch = new MetricBatch();
          await collector.collect({
            out: batch,
            signal: new AbortController().signal,
            deadline: Date.now() + 5000,
            log: silentLogger,
          });
          await publish(batch);
        } finally {
          await collector.close();
        }
        const expected = new Map(queues.map((queue, i) => [queue, String((i % 3) + 1)]));
        for (const job of Object.values(JOBS)) {
          const read = await prom.query(`${bullmqMetrics.jobs.name}{job="${job}",state="waiting"}`);
          expect(new Map(read.map((r) => [r.metric.queue, r.value[1]]))).toEqual(expected);
        }
      }),
      { numRuns: 8 },
    );
  });
});
