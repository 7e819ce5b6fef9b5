/**
 * The JSON snapshot that `jobstack-exporter/instrument`'s `snapshotHandler()` answers and the
 * exporter's `app` collector reads: the contract between the library inside the team's API and
 * the exporter. Types only (no runtime code), so either side imports it for free.
 *
 * Bounds the producer keeps and the consumer re-checks (a snapshot may come from an older or a
 * hostile app): every string at most SNAPSHOT_LIMITS.string characters, every list at most its
 * limit below. Counters are cumulative since `startedAt`; rates are the reader's business.
 */

/** Bumped on any incompatible change; the exporter refuses versions it does not know. */
export const SNAPSHOT_VERSION = 1 as const;

export const SNAPSHOT_LIMITS = {
  /** Characters of any string (route, correlation id, service name, error detail). */
  string: 200,
  /** Route rows (the route cap, plus the unmatched and overflow rows). */
  routes: 1000,
  /** Entries of `slowRequests` and `recentErrors` each. */
  requests: 1000,
  /** Entries of `websockets.recentEvents`. */
  events: 1000,
  /** Bytes of the whole JSON answer that the exporter reads before giving up. */
  bytes: 4 * 1024 * 1024,
} as const;

/** Route value for requests that matched no route of the router. */
export const UNMATCHED_ROUTE = '_unmatched';
/** Route value for requests whose route arrived after the distinct-route cap was reached. */
export const OVERFLOW_ROUTE = '_overflow';
/** Method value for HTTP methods outside the known set (OpenTelemetry's rule). */
export const OTHER_METHOD = '_OTHER';

export interface AppSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  /** The app's `service` option (default: package name or "app"). */
  readonly service: string;
  /** When this snapshot was made and when instrumentation started, ms since the epoch. */
  readonly generatedAt: number;
  readonly startedAt: number;
  readonly thresholds: { readonly slowSeconds: number; readonly verySlowSeconds: number };
  readonly requests: RequestTotals;
  /** One row per method and route seen, busiest first. */
  readonly routes: readonly RouteFigures[];
  /** Requests slower than `thresholds.slowSeconds`, newest first. */
  readonly slowRequests: readonly RequestRecord[];
  /** Answers with a 5xx status, and requests the client aborted, newest first. */
  readonly recentErrors: readonly RequestRecord[];
  readonly websockets: WebSocketFigures;
}

export interface RequestTotals {
  /** Requests in flight now. */
  readonly active: number;
  /** Finished requests since start, and those among them answered 5xx. */
  readonly total: number;
  readonly errors: number;
  /** Requests aborted by the client before the response was sent. */
  readonly aborted: number;
  /** Requests whose route went to OVERFLOW_ROUTE because the route cap was reached. */
  readonly overflowed: number;
}

export interface RouteFigures {
  readonly method: string;
  /** The router's template (`/users/:id`), UNMATCHED_ROUTE or OVERFLOW_ROUTE; never a raw path. */
  readonly route: string;
  /** Since start. */
  readonly requests: number;
  readonly errors: number;
  /** Over the library's recent window (`windowSeconds`, default 300 s); null when it saw no request. */
  readonly recent: {
    readonly windowSeconds: number;
    readonly requests: number;
    readonly errorRatio: number | null;
    readonly p50Seconds: number | null;
    readonly p95Seconds: number | null;
  };
}

export interface RequestRecord {
  /** When the request finished, ms since the epoch. */
  readonly time: number;
  readonly method: string;
  readonly route: string;
  /** The status sent; 0 when the client went away first. */
  readonly status: number;
  readonly durationSeconds: number;
  /** From x-request-id, x-correlation-id or traceparent's trace id, else generated. */
  readonly correlationId: string;
  readonly verySlow: boolean;
  readonly aborted: boolean;
}

export interface WebSocketFigures {
  readonly open: number;
  /** Since start. */
  readonly opened: number;
  readonly closed: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
  readonly errors: number;
  /** Opens, closes and errors, newest first. */
  readonly recentEvents: readonly WebSocketEvent[];
}

export interface WebSocketEvent {
  readonly time: number;
  readonly type: 'open' | 'close' | 'error';
  /** Close code (1000, 1006, ...), for closes. */
  readonly code?: number;
  /** Error message or close reason, cut to SNAPSHOT_LIMITS.string. */
  readonly detail?: string;
}
