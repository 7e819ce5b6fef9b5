import { EventEmitter } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { takeSnapshot, watchWebSocketServer, wrapHandler } from '../../src/instrument';
import { closeCodeClass } from '../../src/instrument/websocket-stats';
import { eventually, lint, newRegistry, serve, series, type Served } from './support';

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
const closed = (ws: WebSocket) =>
  new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));

/** A `ws` server on a real port, driven by real `ws` clients. */
describe('watchWebSocketServer', () => {
  const registry = newRegistry();
  const appErrors: Error[] = [];
  let served: Served;
  let wss: WebSocketServer;
  let url: string;

  beforeAll(async () => {
    wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
    watchWebSocketServer(wss, { registry });
    wss.on('connection', (socket) => {
      socket.on('error', (error) => appErrors.push(error));
      socket.on('message', (data) => socket.send(`echo:${(data as Buffer).toString()}`));
    });
    served = await serve(wrapHandler((_req, res) => res.end('http'), { registry }));
    url = served.url.replace('http', 'ws');
  });
  afterAll(async () => {
    wss.close();
    await served.close();
  });

  it('counts connections, messages both ways, closes by code class and errors', async () => {
    // The upgrade goes to ws; plain requests to the wrapped handler.
    served.server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
    );
    const a = await connect(url);
    const b = await connect(url);
    const c = await connect(url);
    const d = await connect(url);
    const e = await connect(url);
    const echoes = new Promise<void>((resolve) => {
      let n = 0;
      a.on('message', () => ++n === 3 && resolve());
    });
    a.send('1');
    a.send('2');
    a.send('3');
    await echoes;
    await eventually(async () =>
      expect((await series(registry, 'websocket_server_active_connections')).get('')).toBe(5),
    );
    a.close(1000, 'bye');
    b.close(4001, 'app says no');
    c.terminate();
    // Over maxPayload: the server's socket errors and drops the connection (1006 on its side).
    d.send('x'.repeat(5000));
    e.close(1002);
    await Promise.all([a, b, c, d, e].map(closed));
    await eventually(async () => {
      const closes = await series(registry, 'websocket_server_connections_closed_total');
      expect(closes.get('{close_code_class="normal"}')).toBe(1);
      expect(closes.get('{close_code_class="application"}')).toBe(1);
      expect(closes.get('{close_code_class="none"}')).toBe(2);
      expect(closes.get('{close_code_class="abnormal"}')).toBe(1);
    });
    expect((await series(registry, 'websocket_server_active_connections')).get('')).toBe(0);
    expect((await series(registry, 'websocket_server_connections_opened_total')).get('')).toBe(5);
    const messages = await series(registry, 'websocket_server_messages_total');
    expect(messages.get('{direction="received"}')).toBe(3);
    expect(messages.get('{direction="sent"}')).toBe(3);
    expect((await series(registry, 'websocket_server_errors_total')).get('')).toBe(1);
    expect(appErrors).toHaveLength(1);

    const ws = takeSnapshot({ registry }).websockets;
    expect(ws).toMatchObject({ open: 0, opened: 5, closed: 5, messagesReceived: 3, messagesSent: 3, errors: 1 });
    expect(ws.recentEvents.filter((ev) => ev.type === 'open')).toHaveLength(5);
    expect(ws.recentEvents.find((ev) => ev.type === 'close' && ev.code === 4001)?.detail).toBe('app says no');
    expect(ws.recentEvents.find((ev) => ev.type === 'error')?.detail).toMatch(/payload/i);
    // Newest first.
    expect(ws.recentEvents[0].time).toBeGreaterThanOrEqual(ws.recentEvents.at(-1)!.time);
  });

  it('exposes text that promtool check metrics accepts', async () => {
    expect(await lint(registry)).toBe('');
  });
});

describe('WebSocket errors nobody else listens to', () => {
  it('are still thrown, as without the library', () => {
    const wss = Object.assign(new EventEmitter(), {});
    watchWebSocketServer(wss as never, { registry: newRegistry() });
    const error = new Error('listen EADDRINUSE');
    expect(() => wss.emit('error', error)).toThrow(error);
    wss.on('error', () => undefined);
    expect(() => wss.emit('error', error)).not.toThrow();
  });
});

describe('closeCodeClass', () => {
  it.each([
    [1000, 'normal'],
    [1001, 'normal'],
    [1002, 'abnormal'],
    [1009, 'abnormal'],
    [1011, 'abnormal'],
    [1005, 'none'],
    [1006, 'none'],
    [3000, 'application'],
    [4999, 'application'],
    [2000, 'abnormal'],
  ])('%i is %s', (code, cls) => expect(closeCodeClass(code)).toBe(cls));
});
