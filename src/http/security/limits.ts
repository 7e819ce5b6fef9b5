import type Koa from 'koa';

/**
 * Upper bound on one answer (/metrics, /dashboard/data), in characters. Strings and lists are
 * cut where they are read (label values, job fields, queue count); this is the backstop: a bigger
 * answer is refused (503, logged), never served cut or allowed to grow the heap without end.
 */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * Server limits (README "Security"). Node closes a connection whose headers are incomplete after
 * headersTimeout (408) and one whose request is not received in requestTimeout, checked every
 * second; keep-alive connections idle after an answer close after keepAliveTimeout.
 */
export const SERVER_LIMITS = {
  maxHeaderSize: 8 * 1024,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000,
} as const;
/**
 * A connection that sends nothing at all is covered by none of Node's timeouts (it waited
 * forever): every socket is closed after this long without traffic, except while a request is
 * being answered (a scrape may take as long as its scrape timeout).
 */
export const IDLE_SOCKET_MS = 10_000;
/**
 * Open connections at most, so file handles stay available: beyond it the connection idle longest
 * is closed, or the new one when all are answering (http/server.ts).
 */
export const MAX_CONNECTIONS = 512;

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Pages are self-contained: no script, style, font or image from anywhere else, no inline script.
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Cache-Control': 'no-store',
};

/** Security headers on every answer; the web config may override the ones exporter-toolkit allows. */
export function securityHeaders(overrides: Readonly<Record<string, string>>, tls: boolean): Koa.Middleware {
  const headers = {
    ...BASE_HEADERS,
    ...(tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
    ...overrides,
  };
  return async (ctx, next) => {
    ctx.set(headers);
    await next();
  };
}

/**
 * Refuses any request that carries a body (413), before anything reads it, and closes the
 * connection after the answer: every endpoint is GET, and a body left unread (an endless chunked
 * one) would otherwise be drained for the whole request timeout before the socket is reused.
 */
export function bodyLimit(): Koa.Middleware {
  return async (ctx, next) => {
    const length = Number(ctx.get('content-length') || 0);
    if (ctx.get('transfer-encoding') || !(length <= 0)) {
      ctx.status = 413;
      ctx.set('Connection', 'close');
      ctx.body = 'request bodies are not accepted\n';
      // destroySoon, as Node's own server does after a last response; a socket without it (an
      // injected request in tests) is ended instead.
      ctx.res.once('finish', () => {
        const socket = ctx.req.socket as { destroySoon?: () => void; end?: () => void };
        if (typeof socket.destroySoon === 'function') socket.destroySoon();
        else socket.end?.();
      });
      return;
    }
    await next();
  };
}
