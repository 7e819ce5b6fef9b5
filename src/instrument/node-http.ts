import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentOptions } from './options';
import { recorderFor } from './recorder';
import { begin } from './request';

export interface WrapHandlerOptions extends InstrumentOptions {
  /**
   * The route template of a request (`/users/:id`), from your own dispatch; undefined when none
   * matches. Never return the raw path: that is one series per URL (the route cap would catch it).
   * Default: every request is unmatched.
   */
  readonly route?: (req: IncomingMessage) => string | undefined;
}

type Handler<R> = (req: IncomingMessage, res: ServerResponse) => R;

const noRoute = (): undefined => undefined;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';

/**
 * Wraps a `node:http` request handler. An error it throws (or a promise it rejects) is recorded at
 * once as 500 (or the error's `status`) and thrown (or rejected) unchanged.
 */
export function wrapHandler<R>(handler: Handler<R>, options?: WrapHandlerOptions): Handler<R> {
  const recorder = recorderFor(options);
  const routeOf = options?.route ?? noRoute;
  return function jobstackInstrumented(req, res) {
    const state = begin(recorder, req, res, req, routeOf);
    let result: R;
    try {
      result = handler(req, res);
    } catch (error) {
      state.endWithError(error);
      throw error;
    }
    if (isThenable(result)) {
      // A new promise rejecting with the same error, so an unhandled rejection stays unhandled.
      return result.then(undefined, (error: unknown) => {
        state.endWithError(error);
        throw error;
      }) as R;
    }
    return result;
  };
}
