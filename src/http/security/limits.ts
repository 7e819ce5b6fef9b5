import type Koa from 'koa';

/** Largest request body accepted: every endpoint is GET, so anything bigger is abuse. */
export const MAX_BODY_BYTES = 1024;
/** Passed to http(s).createServer: bounds header size and slow clients. */
export const SERVER_LIMITS = { maxHeaderSize: 8 * 1024, headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 65_000 } as const;

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Pages are self-contained: no script, style, font or image from anywhere else, no inline script.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Cache-Control': 'no-store',
};

/** Security headers on every answer; the web config may override the ones exporter-toolkit allows. */
export function securityHeaders(overrides: Readonly<Record<string, string>>, tls: boolean): Koa.Middleware {
  const headers = { ...BASE_HEADERS, ...(tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}), ...overrides };
  return async (ctx, next) => {
    ctx.set(headers);
    await next();
  };
}

/** Refuses request bodies (413) before anything reads them. */
export function bodyLimit(): Koa.Middleware {
  return async (ctx, next) => {
    const length = Number(ctx.get('content-length') || 0);
    if (length > MAX_BODY_BYTES || (ctx.get('transfer-encoding') && ctx.method !== 'GET')) {
      ctx.status = 413;
      ctx.body = 'request body too large\n';
      return;
    }
    await next();
  };
}

/**
 * At most `max` /metrics requests in progress; the next ones get 503 at once, so a scrape storm
 * costs neither Redis nor the database anything beyond the shared collection.
 */
export function concurrencyCap(max: number, path = '/metrics'): Koa.Middleware {
  let inFlight = 0;
  return async (ctx, next) => {
    if (ctx.path !== path) return next();
    if (inFlight >= max) {
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = `too many concurrent scrapes (limit ${max})\n`;
      return;
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
