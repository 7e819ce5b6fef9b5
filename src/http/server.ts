import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { IDLE_SOCKET_MS, MAX_CONNECTIONS, SERVER_LIMITS } from './security/limits';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface ConnectionLimits {
  readonly idleSocketMs: number;
  readonly maxConnections: number;
}

const DEFAULT_LIMITS: ConnectionLimits = { idleSocketMs: IDLE_SOCKET_MS, maxConnections: MAX_CONNECTIONS };

/** The liveness path: answered as soon as it is parsed, ahead of every other request. */
const PRIORITY_PATH = '/health';

/**
 * Liveness first: a request for /health is handled as soon as it is parsed; every other request
 * is handed to the app from a queue, one per event-loop turn, so a burst of hundreds (a flood of
 * 404s, 503s or 401s) is handled between socket polls and never sits in front of /health. (One
 * per turn, not a time slice: the app's work for a request runs in microtasks after the call
 * returns, where no clock in this loop can see it.) The queue is bounded by the connection cap and
 * Node's own pipelining limit (it stops reading a connection whose answers are not being taken).
 */
function healthFirst(handler: http.RequestListener): http.RequestListener {
  const waiting: [http.IncomingMessage, http.ServerResponse][] = [];
  let draining = false;
  const drain = async () => {
    for (let next = waiting.shift(); next; next = waiting.shift()) {
      try {
        handler(...next);
      } catch {
        // The app answers its own errors; one that escapes costs that request, never the queue.
        next[1].destroy();
      }
      if (waiting.length) await nextTurn();
    }
    draining = false;
  };
  return (req, res) => {
    if (req.url === PRIORITY_PATH) return handler(req, res);
    waiting.push([req, res]);
    if (draining) return;
    draining = true;
    // A turn later: the rest of this poll's requests are parsed (and /health answered) first.
    setImmediate(() => void drain());
  };
}

/** Room above the connection cap for TLS handshakes in progress (Node refuses beyond it). */
const HANDSHAKES_IN_PROGRESS = 64;

/**
 * At most `max` open connections, least recently used out first: when one more arrives, the one
 * idle longest (no request in progress: a silent socket, an idle keep-alive) is closed to make
 * room, so idle connections, however many one client holds, never lock out a liveness probe or a
 * scrape. Only when every connection is answering a request is the new one refused. (Node's own
 * maxConnections refused the newest: 500 idle keep-alives left by a flood failed every /health.)
 */
class ConnectionCap {
  /** Open connections, least recently used first (a request moves its connection to the end). */
  private readonly open = new Set<Socket>();
  private readonly busy = new Set<Socket>();

  constructor(private readonly max: number) {}

  opened(socket: Socket): void {
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      this.busy.delete(socket);
    });
    if (this.open.size > this.max) (this.oldestIdle() ?? socket).destroy();
  }

  requestStarted(socket: Socket): void {
    if (!this.open.delete(socket)) return;
    this.open.add(socket);
    this.busy.add(socket);
  }

  requestEnded(socket: Socket): void {
    this.busy.delete(socket);
  }

  private oldestIdle(): Socket | undefined {
    for (const socket of this.open) if (!this.busy.has(socket)) return socket;
    return undefined;
  }
}

/**
 * The HTTP(S) server with every connection-level limit applied: header and request timeouts, an
 * idle timeout for sockets that never send anything (or stall a TLS handshake), and a cap on
 * open connections (ConnectionCap). Tests pass shorter limits; the exporter always runs with the
 * defaults.
 */
export function createServer(
  handler: http.RequestListener,
  tls?: TlsOptions & SecureContextOptions,
  limits: ConnectionLimits = DEFAULT_LIMITS,
): http.Server | https.Server {
  const listener = healthFirst(handler);
  const server = tls
    ? https.createServer({ ...SERVER_LIMITS, handshakeTimeout: limits.idleSocketMs, ...tls }, listener)
    : http.createServer(SERVER_LIMITS, listener);
  // The hard backstop for file handles; ConnectionCap keeps HTTP connections under maxConnections.
  server.maxConnections = limits.maxConnections + HANDSHAKES_IN_PROGRESS;
  const cap = new ConnectionCap(limits.maxConnections);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    // Node's own timeout handler destroys a socket that times out while no request is in progress.
    socket.setTimeout(limits.idleSocketMs);
    cap.opened(socket);
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    // While a request is answered, the scrape deadline bounds it, not the idle timeout.
    socket.setTimeout(0);
    cap.requestStarted(socket);
    res.once('close', () => {
      cap.requestEnded(socket);
      if (!socket.destroyed) socket.setTimeout(limits.idleSocketMs);
    });
  });
  return server;
}
