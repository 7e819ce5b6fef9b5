import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import Redis from 'ioredis';
import { sleep } from '../harness/process';

/**
 * The hostile cases of issue 11, shared by the abuse suite (test/abuse/abuse.test.ts: small
 * counts, behaviour only) and its benchmark (bench/abuse.ts: the counts, figures). Every
 * attack runs on loopback against the built CLI, bounded in count and time.
 */

/** Resident memory of a process, in bytes (Linux). */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Polls /health one request after another until stopped; the latencies (ms) and any failures. */
export function healthProbe(url: string): { stop(): Promise<{ latencies: number[]; failures: number }> } {
  let running = true;
  const latencies: number[] = [];
  let failures = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(30_000) });
        await res.text();
        if (res.status !== 200) failures++;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - started);
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { latencies, failures };
    },
  };
}

/**
 * The status of one GET on a connection of its own, as a new probe or scrape arrives. Not `fetch`:
 * it reuses a keep-alive connection from earlier cases, which the connection cap may just have
 * closed as the idlest, and the request then fails on a socket the server already gave up.
 */
export function freshGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** Status codes (or 'error' for a dropped connection) of many concurrent GETs. */
export async function concurrentGets(
  url: string,
  paths: readonly string[],
  headers: (i: number) => Record<string, string> = () => ({}),
): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  await Promise.all(
    paths.map(async (path, i) => {
      let status: string;
      try {
        const res = await fetch(`${url}${path}`, { headers: headers(i), signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
        status = String(res.status);
      } catch {
        status = 'error';
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }),
  );
  return statuses;
}

/** Opens `count` connections that send nothing; resolves with how many are still open after `waitMs`. */
export async function silentConnections(
  port: number,
  count: number,
  waitMs: number,
): Promise<{ openAfter: number; closedAfterMs: number[] }> {
  const started = Date.now();
  const closedAfterMs: number[] = [];
  const sockets = Array.from({ length: count }, () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('close', () => closedAfterMs.push(Date.now() - started));
    return socket;
  });
  // Until every socket is closed, or waitMs: the figure is when they closed, not how long we looked.
  const open = () => sockets.filter((s) => !s.destroyed && !s.closed).length;
  while (open() > 0 && Date.now() - started < waitMs) await sleep(100);
  const openAfter = open();
  sockets.forEach((s) => s.destroy());
  return { openAfter, closedAfterMs };
}

/** A GET with a chunked body that never ends; resolves with the status line and how long the server took to close. */
export async function endlessBody(port: number, maxMs: number): Promise<{ statusLine: string; closedAfterMs: number }> {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d) => (data += String(d)));
  socket.on('error', () => undefined);
  socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
  const timer = setInterval(() => socket.writable && socket.write('400\r\n' + 'x'.repeat(1024) + '\r\n'), 10);
  const closed = await Promise.race([
    new Promise<boolean>((r) => socket.on('close', () => r(true))),
    sleep(maxMs).then(() => false),
  ]);
  clearInterval(timer);
  socket.destroy();
  return { statusLine: data.split('\r\n')[0] ?? '', closedAfterMs: closed ? Date.now() - started : Infinity };
}

const key = (queue: Buffer | string, suffix: string) =>
  Buffer.concat([Buffer.from('bull:'), Buffer.from(queue), Buffer.from(`:${suffix}`)]);

/** `count` plain queues with a meta hash and `waiting` jobs each, written in one pipeline. */
export async function fillQueues(redis: Redis, names: readonly (string | Buffer)[], waiting = 1): Promise<void> {
  const p = redis.pipeline();
  for (const name of names) {
    p.hset(key(name, 'meta'), 'opts.maxLenEvents', '10000');
    for (let j = 1; j <= waiting; j++) {
      p.hset(key(name, String(j)), 'timestamp', String(Date.now()), 'name', 'job', 'data', '{}', 'opts', '{}');
      p.lpush(key(name, 'wait'), String(j));
    }
  }
  await p.exec();
}

/** A queue whose wait list is a string (issue 11 case 2), next to its meta hash. */
export async function wrongTypeQueue(redis: Redis, name: string): Promise<void> {
  await redis.hset(key(name, 'meta'), 'opts.maxLenEvents', '10000');
  await redis.set(key(name, 'wait'), 'hello');
}

/** Failed jobs with huge names and reasons, half of them with 64 KB ids (issue 11 case 3). */
export async function hugeFailedJobs(
  redis: Redis,
  queue: string,
  count: number,
  nameBytes: number,
  idBytes: number,
): Promise<void> {
  await redis.hset(key(queue, 'meta'), 'opts.maxLenEvents', '10000');
  const big = 'N'.repeat(nameBytes);
  for (let i = 0; i < count; i++) {
    const id = i % 2 ? `${i}`.padEnd(idBytes, 'i') : `${i}`;
    const now = Date.now();
    await redis.hset(
      key(queue, id),
      'timestamp',
      String(now - 10),
      'processedOn',
      String(now - 5),
      'finishedOn',
      String(now),
      'name',
      big,
      'failedReason',
      big,
      'atm',
      '1',
      'data',
      '{}',
      'opts',
      '{}',
    );
    await redis.zadd(key(queue, 'failed'), now + i, id);
  }
}
