import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentOptions } from './options';
import { recorderFor } from './recorder';
import { begin } from './request';

/** What the middleware reads of a Koa context (Koa 2 and 3); `_matchedRoute` is set by @koa/router. */
export interface KoaContextLike {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly _matchedRoute?: string | RegExp;
}

export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

const koaRoute = (ctx: KoaContextLike): string | undefined => {
  const route = ctx._matchedRoute;
  return route === undefined ? undefined : typeof route === 'string' ? route : String(route);
};

/**
 * Koa middleware; mount it first (`app.use(koaMiddleware())`) so it sees every request and its
 * route template from @koa/router, whatever the router prefix. An error thrown downstream passes
 * through untouched: Koa (or the app's error handler around this middleware) answers it, and the
 * status sent is what is recorded.
 */
export function koaMiddleware(options?: InstrumentOptions): KoaMiddleware {
  const recorder = recorderFor(options);
  return function jobstackInstrument(ctx, next) {
    begin(recorder, ctx.req, ctx.res, ctx, koaRoute);
    return next() as Promise<void>;
  };
}
