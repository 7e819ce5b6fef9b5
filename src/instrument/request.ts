import type { IncomingMessage, ServerResponse } from 'node:http';
import { incomingCorrelationId, newCorrelationId } from './correlation';
import { methodIndex } from './labels';
import type { Recorder } from './recorder';

/** Reads the route template from the framework's object at the end of the request. */
export type RouteOf<S> = (source: S) => string | undefined;

const STATE = Symbol('jobstack-exporter.instrument');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the source's type is the adapter's business
type Instrumented = ServerResponse & { [STATE]?: RequestState<any> };

/**
 * One request in flight. Every framework adapter ends up here: the response's `close` event (sent
 * once, after `finish` or when the connection dies first) records it, with `writableFinished`
 * telling an answered request from an aborted one. One listener, shared, no closure per request.
 */
class RequestState<S> {
  done = false;
  constructor(
    readonly recorder: Recorder,
    readonly method: number,
    readonly started: number,
    readonly correlationId: string,
    readonly source: S,
    readonly routeOf: RouteOf<S>,
  ) {}

  end(status: number): void {
    if (this.done) return;
    this.done = true;
    const now = performance.now();
    this.recorder.finish(this.method, this.routeOf(this.source), status, (now - this.started) / 1000, now, this.correlationId);
  }
}

function onClose(this: Instrumented): void {
  this[STATE]?.end(this.writableFinished ? this.statusCode : 0);
}

/**
 * Starts measuring `req`/`res`; `source` and `routeOf` give the route when it ends. Returns false
 * when the response is already measured (the middleware mounted twice), so it is counted once.
 */
export function begin<S>(recorder: Recorder, req: IncomingMessage, res: ServerResponse, source: S, routeOf: RouteOf<S>): boolean {
  const instrumented = res as Instrumented;
  if (instrumented[STATE] !== undefined) return false;
  const method = methodIndex(req.method);
  let correlationId = incomingCorrelationId(req.headers);
  if (correlationId === undefined) {
    correlationId = newCorrelationId();
    if (recorder.options.requestIdHeader && !res.headersSent) res.setHeader('x-request-id', correlationId);
  }
  instrumented[STATE] = new RequestState(recorder, method, performance.now(), correlationId, source, routeOf);
  recorder.start(method);
  res.on('close', onClose);
  return true;
}

/**
 * Records the request now with `status`, for an error thrown out of a plain handler: the response
 * may never be finished, and whatever happens to it later is not counted again.
 */
export function endWithError(res: ServerResponse, error: unknown): void {
  const state = (res as Instrumented)[STATE];
  if (state === undefined || state.done || res.writableFinished) return;
  state.end(errorStatus(error));
}

/** The status an error carries (`status` or `statusCode`, 400-599), else 500: what Koa and Express answer. */
export function errorStatus(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
    const code = typeof status === 'number' ? status : statusCode;
    if (typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599) return code;
  }
  return 500;
}

/** The correlation id of a measured response (the caller's, or the one generated for it). */
export function correlationIdOf(res: ServerResponse): string | undefined {
  return (res as Instrumented)[STATE]?.correlationId;
}
