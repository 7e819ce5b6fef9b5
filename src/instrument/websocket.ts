import type { IncomingMessage } from 'node:http';
import type { InstrumentOptions } from './options';
import { recorderFor } from './recorder';
import type { WebSocketStats } from './websocket-stats';

/** What is read of a `ws` WebSocket: its events, and `send`, wrapped to count messages sent. */
export interface WebSocketLike {
  on(event: 'message', listener: () => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  send: (...args: never[]) => unknown;
  listenerCount(event: 'error'): number;
}

/** What is read of a `ws` WebSocketServer. */
export interface WebSocketServerLike<W extends WebSocketLike = WebSocketLike> {
  on(event: 'connection', listener: (socket: W, req: IncomingMessage) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'connection', listener: (socket: W, req: IncomingMessage) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  listenerCount(event: 'error'): number;
}

/**
 * Counts an error, then behaves as if this listener were not there: an 'error' nobody else listens
 * to is thrown out of emit(), as EventEmitter does, so watching never hides a crash the app had.
 */
function countError(stats: WebSocketStats, emitter: { listenerCount(event: 'error'): number }, error: Error): void {
  stats.onError(error);
  if (emitter.listenerCount('error') <= 1) throw error;
}

function watchSocket(stats: WebSocketStats, socket: WebSocketLike): void {
  stats.onOpen();
  socket.on('message', () => {
    stats.received++;
  });
  socket.on('close', (code, reason) => stats.onClose(code, reason.length ? reason.toString('utf8', 0, 1024) : ''));
  socket.on('error', (error) => countError(stats, socket, error));
  const send = socket.send;
  // An own property shadowing WebSocket.prototype.send: counts, then sends exactly as before.
  socket.send = function countedSend(this: WebSocketLike, ...args: never[]) {
    stats.sent++;
    return send.apply(this, args);
  };
}

/**
 * Measures a `ws` WebSocketServer: open connections, opens and closes by close code class,
 * messages by direction, errors, and the last events for the snapshot. Connections accepted
 * before the call are not seen. Returns a function that stops watching new connections.
 */
export function watchWebSocketServer<W extends WebSocketLike>(
  wss: WebSocketServerLike<W>,
  options?: InstrumentOptions,
): () => void {
  const stats = recorderFor(options).webSockets();
  const onConnection = (socket: W) => watchSocket(stats, socket);
  const onError = (error: Error) => countError(stats, wss, error);
  wss.on('connection', onConnection);
  wss.on('error', onError);
  return () => {
    wss.off('connection', onConnection);
    wss.off('error', onError);
  };
}
