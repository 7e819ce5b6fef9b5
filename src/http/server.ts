import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { IDLE_SOCKET_MS, MAX_CONNECTIONS, SERVER_LIMITS } from './security/limits';

export interface ConnectionLimits {
  readonly idleSocketMs: number;
  readonly maxConnections: number;
}

const DEFAULT_LIMITS: ConnectionLimits = { idleSocketMs: IDLE_SOCKET_MS, maxConnections: MAX_CONNECTIONS };

/**
 * The HTTP(S) server with every connection-level limit applied: header and request timeouts, an
 * idle timeout for sockets that never send anything (or stall a TLS handshake), and a cap on
 * open connections. Tests pass shorter limits; the exporter always runs with the defaults.
 */
export function createServer(
  handler: http.RequestListener,
  tls?: TlsOptions & SecureContextOptions,
  limits: ConnectionLimits = DEFAULT_LIMITS,
): http.Server | https.Server {
  const server = tls
    ? https.createServer({ ...SERVER_LIMITS, handshakeTimeout: limits.idleSocketMs, ...tls }, handler)
    : http.createServer(SERVER_LIMITS, handler);
  server.maxConnections = limits.maxConnections;
  // Node's own timeout handler destroys a socket that times out while no request is in progress.
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => socket.setTimeout(limits.idleSocketMs));
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    // While a request is answered, the scrape deadline bounds it, not the idle timeout.
    req.socket.setTimeout(0);
    res.once('close', () => {
      if (!req.socket.destroyed) req.socket.setTimeout(limits.idleSocketMs);
    });
  });
  return server;
}
