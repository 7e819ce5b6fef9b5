import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { incomingCorrelationId, newCorrelationId } from './correlation';
import { methodIndex } from './labels';
import type { Recorder } from './recorder';
import { inFlight, writableFinished } from './response-hooks';

/** Reads the route template from the framework's object at the end of the request. */
export type RouteOf<S> = (source: S) => string | undefined;

/**
 * One request in flight. Every framework adapter ends up here: the response's `close` event (sent
 * once, after `finish` or when the connection dies first; seen through watchResponses) records it,
 * with `writableFinished` telling an answered request from an aborted one.
 *
 * Nothing is stored on `req` or `res`: Express re-prototypes both, and a property added to such
 * an object afterwards turns it into a slow dictionary-mode object for the rest of the request,
 * which measurably slowed Express and Node's own response code (bench/RESULTS-instrument.md).
 *
 * The correlation id is settled only when something needs it (a record, `correlationIdOf`, or
 * headers that go out with a 5xx or after the slow threshold): reading the caller's headers, a
 * UUID and one more response header cost a hello-world Koa request 11% of its instructions,
 * spent on every request for the few that are recorded.
 */
export class RequestState<S> {
  // Fields assigned in the constructor, not declared with initializers: with ES2022 class fields
  // each initializer is a define on every instance (and parameter properties define, then assign),
  // about 200 instructions a request (callgrind).
  declare private readonly recorder: Recorder;
  declare private readonly method: number;
  declare private readonly req: IncomingMessage;
  declare private readonly res: ServerResponse;
  declare private readonly source: S;
  declare private readonly routeOf: RouteOf<S>;
  declare private done: boolean;
  declare private id: string | undefined;
  /** The status sent and the route, read as the headers go out (see `beforeHeaders`). */
  declare private status: number;
  declare private route: string | undefined;
  declare private routed: boolean;
  declare readonly started: number;
  /** Where `inFlight` holds this request (see InFlight.add). */
  declare slot: number;

  constructor(
    recorder: Recorder,
    method: number,
    req: IncomingMessage,
    res: ServerResponse,
    source: S,
    routeOf: RouteOf<S>,
  ) {
    this.recorder = recorder;
    this.method = method;
    this.req = req;
    this.res = res;
    this.source = source;
    this.routeOf = routeOf;
    this.done = false;
    this.id = undefined;
    this.status = 0;
    this.route = undefined;
    this.routed = false;
    this.slot = -1;
    this.started = performance.now();
  }

  /** The response's `close` (see watchResponses): answered in full, or cut off before that. */
  closed(): void {
    const res = this.res;
    this.end(writableFinished(res) ? this.status || res.statusCode : 0);
  }

  /**
   * The caller's correlation id (x-request-id, x-correlation-id, traceparent), else a generated
   * one, sent back in `x-request-id` if the headers have not gone out yet.
   */
  correlationId(): string {
    if (this.id !== undefined) return this.id;
    let id = incomingCorrelationId(this.req.headers);
    if (id === undefined) {
      id = newCorrelationId();
      if (this.recorder.options.requestIdHeader !== 'never' && !this.res.headersSent)
        this.res.setHeader('x-request-id', id);
    }
    return (this.id = id);
  }

  /**
   * Called just before the response's headers are written. The status and route are taken here,
   * not from `res` and `req` when the response closes: Express gives both objects a new hidden
   * class on every request, so each property read there missed V8's inline caches (about 4,000
   * instructions each, 6% of a hello-world Express request for five reads). A response that will
   * be recorded (a 5xx, or one already slow) gets its correlation id now, while it can be sent back.
   */
  beforeHeaders(status: number): void {
    this.status = status;
    this.route = this.readRoute();
    this.routed = true;
    const mode = this.recorder.options.requestIdHeader;
    if (mode === 'never' || this.id !== undefined) return;
    if (
      mode === 'always' ||
      status >= 500 ||
      performance.now() - this.started >= this.recorder.options.slowSeconds * 1000
    )
      this.correlationId();
  }

  /** The route template; a `route` function of the app's that throws means no route matched. */
  private readRoute(): string | undefined {
    try {
      return this.routeOf(this.source);
    } catch {
      return undefined;
    }
  }

  end(status: number): void {
    if (this.done) return;
    this.done = true;
    const seconds = (performance.now() - this.started) / 1000;
    inFlight.delete(this.res, this.slot);
    const route = this.routed ? this.route : this.readRoute();
    this.recorder.finish(this.method, route, status, seconds, this);
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
  const state = new RequestState(recorder, method, req, res, source, routeOf);
  state.slot = inFlight.add(res, state);
  recorder.start(method);
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
 * The correlation id of a request, to log it: the caller's (x-request-id, x-correlation-id,
 * traceparent), else one generated for it, sent back in `x-request-id` while the headers have not
 * gone out (`requestIdHeader` not `never`) and kept for its record. Undefined for a response no
 * entry point measures that carries none.
 */
export function correlationIdOf(res: ServerResponse): string | undefined {
  const state = inFlight.get(res);
  if (state !== undefined) return state.correlationId();
  return res.req ? incomingCorrelationId(res.req.headers) : undefined;
}
