import type { IncomingMessage, ServerResponse } from 'node:http';
import { incomingCorrelationId, newCorrelationId } from './correlation';
import { methodIndex } from './labels';
import type { Recorder } from './recorder';

/** Reads the route template from the framework's object at the end of the request. */
export type RouteOf<S> = (source: S) => string | undefined;

/**
 * One request in flight. Every framework adapter ends up here: the response's `close` event (sent
 * once, after `finish` or when the connection dies first) records it, with `writableFinished`
 * telling an answered request from an aborted one.
 *
 * Nothing is stored on `req` or `res`: Express re-prototypes both, and a property added to such
 * an object afterwards turns it into a slow dictionary-mode object for the rest of the request,
 * which measurably slowed Express and Node's own response code (bench/RESULTS-instrument.md).
 */
export class RequestState<S> {
  private done = false;
  readonly started = performance.now();

  constructor(
    private readonly recorder: Recorder,
    private readonly method: number,
    readonly correlationId: string,
    private readonly res: ServerResponse,
    private readonly source: S,
    private readonly routeOf: RouteOf<S>,
  ) {}

  /** The `close` listener. */
  readonly onClose = (): void => {
    this.end(this.res.writableFinished ? this.res.statusCode : 0);
  };

  end(status: number): void {
    if (this.done) return;
    this.done = true;
    const now = performance.now();
    this.recorder.finish(
      this.method,
      this.routeOf(this.source),
      status,
      (now - this.started) / 1000,
      now,
      this.correlationId,
    );
  }

  /**
   * Records the request now, for an error thrown out of a plain handler: the response may never
   * be finished, and whatever happens to it later is not counted again.
   */
  endWithError(error: unknown): void {
    if (!this.res.writableFinished) this.end(errorStatus(error));
  }
}

/** Starts measuring `req`/`res`; `source` and `routeOf` give the route when it ends. */
export function begin<S>(
  recorder: Recorder,
  req: IncomingMessage,
  res: ServerResponse,
  source: S,
  routeOf: RouteOf<S>,
): RequestState<S> {
  const method = methodIndex(req.method);
  let correlationId = incomingCorrelationId(req.headers);
  if (correlationId === undefined) {
    correlationId = newCorrelationId();
    if (recorder.options.requestIdHeader && !res.headersSent) res.setHeader('x-request-id', correlationId);
  }
  const state = new RequestState(recorder, method, correlationId, res, source, routeOf);
  recorder.start(method);
  res.on('close', state.onClose);
  return state;
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

/**
 * The correlation id of a request: the caller's (x-request-id, x-correlation-id, traceparent), or
 * the one generated and sent back in `x-request-id`. Undefined when none came and `requestIdHeader`
 * is off.
 */
export function correlationIdOf(res: ServerResponse): string | undefined {
  const incoming = res.req ? incomingCorrelationId(res.req.headers) : undefined;
  if (incoming !== undefined) return incoming;
  const sent = res.getHeader('x-request-id');
  return typeof sent === 'string' ? sent : undefined;
}
