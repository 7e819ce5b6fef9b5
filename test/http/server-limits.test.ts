import net from 'node:net';
import type http from 'node:http';
import { configSchema } from '../../src/config/schema';
import { createApp } from '../../src/http/app';
import { createServer } from '../../src/http/server';
import { silentLogger } from '../../src/log/logger';
import { ScrapeRunner } from '../../src/runner/runner';

/**
 * Connection limits of the real server on a loopback port (with short limits; the abuse suite
 * checks the shipped ones against the built CLI): a socket that sends nothing is closed, one
 * being answered is not, connections beyond the cap are dropped, a body on GET is refused.
 */

let server: http.Server;
let port: number;
let release: () => void = () => undefined;

beforeAll(async () => {
  server = createServer(
    (req, res) => {
      if (req.url === '/slow') {
        void new Promise<void>((r) => (release = r)).then(() => res.end('slow done'));
        return;
      }
      res.end('ok');
    },
    undefined,
    { idleSocketMs: 300, maxConnections: 5 },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Opens a socket and resolves when it closes, with what it received and how long it lived. */
function connect(send?: string): { closed: Promise<{ ms: number; data: string }>; socket: net.Socket } {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d) => (data += String(d)));
  socket.on('error', () => undefined);
  if (send) socket.on('connect', () => socket.write(send));
  return {
    socket,
    closed: new Promise((resolve) => socket.on('close', () => resolve({ ms: Date.now() - started, data }))),
  };
}

test('a connection that sends nothing is closed after the idle timeout', async () => {
  const { ms } = await connect().closed;
  expect(ms).toBeGreaterThanOrEqual(250);
  expect(ms).toBeLessThan(5000);
});

test('a connection waiting for its answer is not closed by the idle timeout', async () => {
  const c = connect('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => setTimeout(r, 800));
  expect(c.socket.destroyed).toBe(false);
  release();
  const { data } = await c.closed; // closed later, idle after its answer
  expect(data).toContain('slow done');
});

test('beyond the cap the connection idle longest is closed to make room; held ones keep theirs', async () => {
  const idle = Array.from({ length: 5 }, () => connect());
  await new Promise((r) => setTimeout(r, 100));
  // Five idle connections fill the cap: a liveness probe still gets in, and the oldest idle one goes.
  const probe = await connect('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').closed;
  expect(probe.data).toContain('200 OK');
  expect(idle[0].socket.destroyed).toBe(true);
  expect(idle.slice(1).every((c) => !c.socket.destroyed)).toBe(true);
  idle.forEach((c) => c.socket.destroy());
  await Promise.all(idle.map((c) => c.closed));
});

test('when every connection is answering a request, a new one is refused at once', async () => {
  const busy = Array.from({ length: 5 }, () => connect('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'));
  await new Promise((r) => setTimeout(r, 200));
  const extra = await connect('GET / HTTP/1.1\r\nHost: x\r\n\r\n').closed;
  expect(extra.data).toBe('');
  expect(busy.every((c) => !c.socket.destroyed)).toBe(true);
  busy.forEach((c) => c.socket.destroy());
  await Promise.all(busy.map((c) => c.closed));
  const again = await connect('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').closed;
  expect(again.data).toContain('200 OK');
});

test('a GET with an endless chunked body gets 413 and its connection is closed at once', async () => {
  const app = createApp({
    config: configSchema.parse({}),
    runner: new ScrapeRunner([], silentLogger()),
    build: { version: '1', revision: 'x', nodejs: 'v' },
    log: silentLogger(),
    collectorNames: [],
  });
  const s = createServer(app.callback()) as http.Server;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  try {
    const started = Date.now();
    const socket = net.connect((s.address() as net.AddressInfo).port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += String(d)));
    socket.on('error', () => undefined);
    const timer = setInterval(() => socket.writable && socket.write('5\r\nhello\r\n'), 20);
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    await new Promise((r) => socket.on('close', r));
    clearInterval(timer);
    expect(data).toMatch(/^HTTP\/1.1 413/);
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test('/health is handled as soon as it is parsed; other requests wait their turn, one per event-loop turn', async () => {
  const seen: string[] = [];
  const ordered = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end();
  });
  // The server's request listener (the one given to http.createServer), called as Node would for
  // requests parsed in one poll: four others, then /health.
  const listener = ordered.listeners('request')[0] as (req: unknown, res: unknown) => void;
  for (const url of ['/metrics', '/nope', '/dashboard/data', '/x', '/health'])
    listener({ url }, { end: () => undefined });
  expect(seen).toEqual(['/health']);
  const turns: number[] = [];
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setImmediate(r));
    turns.push(seen.length);
  }
  expect(seen).toEqual(['/health', '/metrics', '/nope', '/dashboard/data', '/x']);
  // One per turn: the count grows by one at a time, never by the whole burst at once.
  expect(turns.slice(0, 4)).toEqual([2, 3, 4, 5]);
});
