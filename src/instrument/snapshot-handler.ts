import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentOptions } from './options';
import { recorderFor, type Recorder } from './recorder';
import { SNAPSHOT_LIMITS, SNAPSHOT_VERSION, type AppSnapshot, type RouteFigures } from './snapshot';
import { quantile } from './window';

function routeFigures(recorder: Recorder, now: number): RouteFigures[] {
  const { windowSeconds, buckets } = recorder.options;
  const rows = [...recorder.routes.rows].sort((a, b) => b.requests - a.requests).slice(0, SNAPSHOT_LIMITS.routes);
  return rows.map((row) => {
    const recent = recorder.window.since(now, row.counts);
    let requests = 0;
    for (let i = 1; i < recent.length; i++) requests += recent[i];
    return {
      method: row.method,
      route: row.route,
      requests: row.requests,
      errors: row.counts[0],
      recent: {
        windowSeconds,
        requests,
        errorRatio: requests ? recent[0] / requests : null,
        p50Seconds: quantile(0.5, buckets, recent, 1),
        p95Seconds: quantile(0.95, buckets, recent, 1),
      },
    };
  });
}

/** The snapshot of the options' registry now (what `snapshotHandler` answers). */
export function takeSnapshot(options?: InstrumentOptions): AppSnapshot {
  return snapshotOf(recorderFor(options));
}

function snapshotOf(recorder: Recorder): AppSnapshot {
  const now = performance.now();
  recorder.window.advance(now, recorder.rowCounts());
  const { service, slowSeconds, verySlowSeconds } = recorder.options;
  return {
    version: SNAPSHOT_VERSION,
    service,
    generatedAt: Date.now(),
    startedAt: recorder.startedAt,
    thresholds: { slowSeconds, verySlowSeconds },
    requests: recorder.requestTotals(),
    routes: routeFigures(recorder, now),
    slowRequests: recorder.slow.newestFirst(),
    recentErrors: recorder.errors.newestFirst(),
    websockets: recorder.webSocketFigures(),
  };
}

interface KoaContextLike {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  type: string;
  body: unknown;
  set(field: string, value: string): void;
}
interface FastifyReplyLike {
  header(name: string, value: string): unknown;
  type(contentType: string): unknown;
  send(payload: string): unknown;
}

/** One handler for every framework: Koa `(ctx)`, Fastify `(request, reply)`, node:http and Express `(req, res)`. */
export type SnapshotHandler = {
  (ctx: KoaContextLike, next?: () => Promise<unknown>): void;
  (request: unknown, reply: FastifyReplyLike): void;
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
};

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A handler answering the JSON snapshot (src/instrument/snapshot.ts), to mount where the app likes
 * (`/_jobstack` in the examples) for the exporter's `app` collector. It answers any method and
 * path it is given; mount it on a GET route.
 */
export function snapshotHandler(options?: InstrumentOptions): SnapshotHandler {
  const recorder = recorderFor(options);
  return function jobstackSnapshot(first: unknown, second?: unknown): void {
    const body = JSON.stringify(snapshotOf(recorder));
    if (
      second !== null &&
      typeof second === 'object' &&
      typeof (second as FastifyReplyLike).send === 'function' &&
      typeof (second as ServerResponse).setHeader !== 'function'
    ) {
      const reply = second as FastifyReplyLike;
      reply.header('cache-control', 'no-store');
      reply.type(JSON_TYPE);
      reply.send(body);
      return;
    }
    if (second !== null && typeof second === 'object' && typeof (second as ServerResponse).setHeader === 'function') {
      const res = second as ServerResponse;
      res.statusCode = 200;
      res.setHeader('content-type', JSON_TYPE);
      res.setHeader('cache-control', 'no-store');
      res.end(body);
      return;
    }
    const ctx = first as KoaContextLike;
    ctx.set('cache-control', 'no-store');
    ctx.type = JSON_TYPE;
    ctx.body = body;
  };
}
