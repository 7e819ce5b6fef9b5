import { performance } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DurationHistogram } from './duration-histogram';
import { METHODS, nameAndHelp } from './labels';
import { instrumentMetrics as m } from './metrics';
import { resolveOptions, type InstrumentOptions, type ResolvedOptions } from './options';
import { watchResponses } from './response-hooks';
import { RouteTable } from './routes';
import type { RequestRecord, RequestTotals, WebSocketFigures } from './snapshot';
import { cut, Ring } from './text';
import { WebSocketStats } from './websocket-stats';
import { RecentWindow } from './window';

/**
 * The state behind every entry point for one registry: the metrics registered there, the route
 * table, the rings and the window. Everything is bounded by the options; nothing grows with
 * traffic once the route cap is reached.
 */
export class Recorder {
  readonly startedAt = Date.now();
  readonly routes: RouteTable;
  readonly window: RecentWindow;
  readonly slow: Ring<RequestRecord>;
  readonly errors: Ring<RequestRecord>;
  private ws: WebSocketStats | undefined;
  /** Requests in flight per method index; the gauge reads it at scrape time. */
  readonly active = new Float64Array(METHODS.length);
  /** Methods seen at least once: the gauge shows them (at 0 too) and no others. */
  private readonly seen = new Uint8Array(METHODS.length);
  readonly totals = { total: 0, errors: 0, aborted: 0 };
  private readonly bounds: readonly number[];

  constructor(readonly options: ResolvedOptions) {
    const registers = [options.registry];
    this.bounds = options.buckets;
    const histogram = new DurationHistogram(options.buckets, options.registry);
    const overflow = new Counter({ ...nameAndHelp(m.routesOverflowed), labelNames: [], registers });
    const { active, seen } = this;
    new Gauge({
      ...nameAndHelp(m.activeRequests),
      labelNames: m.activeRequests.labels,
      registers,
      collect() {
        for (let i = 0; i < METHODS.length; i++) if (seen[i]) this.set({ http_request_method: METHODS[i] }, active[i]);
      },
    });
    this.routes = new RouteTable(options.maxRoutes, options.buckets.length, histogram, overflow);
    this.window = new RecentWindow(options.windowSeconds);
    this.slow = new Ring(options.slowRequests);
    this.errors = new Ring(options.recentErrors);
    watchResponses();
    // The window's copies are taken by a timer (and by every snapshot), not checked for on every
    // request: a rarely taken branch in `finish` deoptimized it each time a new path in it ran.
    // Unref'd: it never keeps the app's process alive.
    const copy = () => this.window.advance(performance.now(), this.rowCounts());
    copy();
    setInterval(copy, this.window.slotMs).unref();
  }

  /** Counts a request in flight; `finish` undoes it. */
  start(method: number): void {
    this.active[method]++;
    this.seen[method] = 1;
  }

  /**
   * Records one finished request. `status` 0: the client went away before the response was sent.
   * `route` undefined: no route matched. The correlation id is asked for only when the request is
   * kept in a ring.
   */
  finish(
    method: number,
    route: string | undefined,
    status: number,
    seconds: number,
    request: { correlationId(): string },
  ): void {
    this.active[method]--;
    const routes = this.routes;
    const entry = routes.entry(route);
    const row = routes.row(entry, method);
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++;
    row.requests++;
    row.counts[bucket + 1]++;
    const series = routes.seriesOf(entry, row, method, status);
    series.counts[bucket]++;
    series.sum += seconds;
    series.count++;
    this.totals.total++;
    const aborted = status === 0;
    const failed = status >= 500;
    if (failed) {
      row.counts[0]++;
      this.totals.errors++;
    } else if (aborted) this.totals.aborted++;
    const slow = seconds >= this.options.slowSeconds;
    if (slow || failed || aborted) {
      const record: RequestRecord = {
        time: Date.now(),
        method: row.method,
        route: row.route,
        status,
        durationSeconds: seconds,
        correlationId: cut(request.correlationId()),
        verySlow: seconds >= this.options.verySlowSeconds,
        aborted,
      };
      if (slow) this.slow.push(record);
      if (failed || aborted) this.errors.push(record);
    }
  }

  requestTotals(): RequestTotals {
    let active = 0;
    for (const n of this.active) active += n;
    return { active, ...this.totals, overflowed: this.routes.overflowed };
  }

  /** Created by the first watchWebSocketServer: an app without WebSockets gets no WebSocket series. */
  webSockets(): WebSocketStats {
    return (this.ws ??= new WebSocketStats(this.options.webSocketEvents, [this.options.registry]));
  }

  webSocketFigures(): WebSocketFigures {
    return (
      this.ws?.figures() ?? {
        open: 0,
        opened: 0,
        closed: 0,
        messagesReceived: 0,
        messagesSent: 0,
        errors: 0,
        recentEvents: [],
      }
    );
  }

  rowCounts() {
    return this.routes.rows.map((r) => r.counts);
  }
}

const recorders = new WeakMap<Registry, Recorder>();

/** The recorder of the options' registry, created by the first entry point that asks. */
export function recorderFor(options?: InstrumentOptions): Recorder {
  const resolved = resolveOptions(options);
  let recorder = recorders.get(resolved.registry);
  if (recorder === undefined) {
    recorder = new Recorder(resolved);
    recorders.set(resolved.registry, recorder);
  }
  return recorder;
}
