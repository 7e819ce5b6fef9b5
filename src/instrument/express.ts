import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentOptions } from './options';
import { recorderFor } from './recorder';
import { begin } from './request';

/** What the middleware reads of an Express request (4 and 5): the matched route and its mount path. */
export type ExpressRequestLike = IncomingMessage & {
  readonly route?: { readonly path?: unknown };
  readonly baseUrl?: string;
};

export type ExpressMiddleware = (req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Express sets `req.route` when a route handles the request and `req.baseUrl` to where its router
 * or sub-app is mounted; read as the headers go out. A request no route handled (404, static files,
 * a middleware that answered) is unmatched.
 *
 * Read with `Reflect.get`, a plain lookup: Express gives `req` a new hidden class on every request,
 * so a property read missed V8's inline cache every time, about 4,000 CPU instructions each.
 */
const expressRoute = (req: ExpressRequestLike): string | undefined => {
  const path = Reflect.get(req, 'route')?.path;
  if (path === undefined) return undefined;
  const template =
    typeof path === 'string'
      ? path
      : Array.isArray(path)
        ? path.map(String).join(',')
        : path instanceof RegExp
          ? String(path)
          : '';
  const base = Reflect.get(req, 'baseUrl');
  return base ? base + template : template;
};

/**
 * Express middleware; mount it first (`app.use(expressMiddleware())`). Errors never pass through a
 * middleware in Express (they go to error handlers), so the status sent is what is recorded.
 */
export function expressMiddleware(options?: InstrumentOptions): ExpressMiddleware {
  const recorder = recorderFor(options);
  return function jobstackInstrument(req, res, next) {
    begin(recorder, req, res, req, expressRoute);
    next();
  };
}
