import http from 'node:http';
import net from 'node:net';
import type { Collector } from '../../src/collectors/types';
import { configSchema } from '../../src/config/schema';
import { createApp } from '../../src/http/app';
import { silentLogger } from '../../src/log/logger';
import { labelSet } from '../../src/metrics/batch';
import { defineMetric } from '../../src/metrics/define';
import { ScrapeRunner } from '../../src/runner/runner';

/**
 * The /metrics answer's buffer is reused from one scrape to the next (metrics/answer-buffer.ts).
 * Over a real socket: a scraper that does not read keeps its answer's buffer lent, and scrapes
 * answered meanwhile must never write into it.
 */

const series = defineMetric({ name: 'demo_series', help: 'One of many.', type: 'gauge', labels: ['series'] });
// ~6.5 MB of text: more than the kernel's socket buffers take from a scraper that reads nothing.
const LABELS = Array.from({ length: 120_000 }, (_, i) =>
  labelSet({ series: `s-${String(i).padStart(6, '0')}-${'x'.repeat(20)}` }),
);

/** Every collection writes all series with its own number as the value. */
function numberedCollector(): Collector {
  let n = 0;
  return {
    name: 'numbered',
    collect: async ({ out }) => {
      n++;
      for (const labels of LABELS) out.set(series, n, labels);
    },
  };
}

const valuesIn = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('demo_series{'))
      .map((l) => l.slice(l.lastIndexOf(' ') + 1)),
  );

function get(port: number, id: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ port, host: '127.0.0.1', path: '/metrics', headers: { 'x-id': id } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      })
      .on('error', reject);
  });
}

describe('/metrics answer buffer over a real socket', () => {
  let server: http.Server;
  let port: number;
  const finished: string[] = [];

  beforeAll(async () => {
    const runner = new ScrapeRunner([{ collector: numberedCollector(), timeoutMs: 30_000 }], silentLogger());
    const app = createApp({
      config: configSchema.parse({}),
      runner,
      build: { version: '1', revision: 'x', nodejs: process.version },
      log: silentLogger(),
      collectorNames: ['numbered'],
    });
    server = http.createServer(app.callback());
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) =>
      res.on('finish', () => finished.push(String(req.headers['x-id']))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('an answer still being sent is never overwritten by the scrapes answered meanwhile', async () => {
    // Scrape 1 (collection 1), read by nobody until scrapes 2 and 3 are done.
    const slow = net.connect(port, '127.0.0.1');
    const bytes: Buffer[] = [];
    await new Promise<void>((resolve) => slow.once('connect', resolve));
    slow.write('GET /metrics HTTP/1.1\r\nHost: x\r\nx-id: slow\r\nConnection: close\r\n\r\n');
    await new Promise<void>((resolve) => slow.once('readable', resolve));

    expect(valuesIn(await get(port, 'second'))).toEqual(new Set(['2']));
    expect(valuesIn(await get(port, 'third'))).toEqual(new Set(['3']));
    // The first answer was still in flight: its buffer was lent all along.
    expect(finished).toEqual(['second', 'third']);

    slow.on('data', (c: Buffer) => bytes.push(c));
    await new Promise((resolve) => slow.once('end', resolve));
    const response = Buffer.concat(bytes).toString('utf8');
    const body = response.slice(response.indexOf('\r\n\r\n') + 4);
    expect(Number(/content-length: (\d+)/i.exec(response)?.[1])).toBe(Buffer.byteLength(body));
    expect(valuesIn(body)).toEqual(new Set(['1']));
    expect(body.split('\n').filter((l) => l.startsWith('demo_series{')).length).toBe(LABELS.length);

    // Once sent, the buffer goes back for reuse: a fourth scrape is whole and its own.
    const fourth = await get(port, 'fourth');
    expect(valuesIn(fourth)).toEqual(new Set(['4']));
    expect(fourth.split('\n').filter((l) => l.startsWith('demo_series{')).length).toBe(LABELS.length);
  }, 60_000);
});
