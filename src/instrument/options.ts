import { register as globalRegister, type Registry } from 'prom-client';
import { OTEL_HTTP_DURATION_BUCKETS } from './metrics';
import { SNAPSHOT_LIMITS } from './snapshot';

/**
 * Options every entry point of `jobstack-exporter/instrument` takes. The first entry point called
 * for a registry creates the shared state with its options; later calls for the same registry
 * share it (one set of metrics per registry), so give the options to the first one.
 */
export interface InstrumentOptions {
  /** Where the metrics are registered. Default: prom-client's global `register`. */
  readonly registry?: Registry;
  /** Name in the snapshot. Default: `npm_package_name` from the environment, else "app". */
  readonly service?: string;
  /** Histogram upper bounds in seconds, ascending. Default: OpenTelemetry's recommendation. */
  readonly buckets?: readonly number[];
  /** Distinct `http_route` values kept; later ones are recorded as OVERFLOW_ROUTE. Default 200. */
  readonly maxRoutes?: number;
  /** A request at least this long goes to the slow-requests ring. Default 1 s. */
  readonly slowSeconds?: number;
  /** A slow request at least this long is flagged `verySlow`. Default 5 s. */
  readonly verySlowSeconds?: number;
  /** Entries kept of slow requests and of recent errors (each). Default 100, at most 1000. */
  readonly slowRequests?: number;
  readonly recentErrors?: number;
  /** WebSocket opens, closes and errors kept. Default 100, at most 1000. */
  readonly webSocketEvents?: number;
  /** Window of the snapshot's per-route `recent` figures. Default 300 s. */
  readonly windowSeconds?: number;
  /**
   * When a generated correlation id (for a request that carried none) goes back in `x-request-id`:
   * `recorded` (default) on the responses that are recorded and on those `correlationIdOf` was
   * asked about, `always` on every response, `never`.
   */
  readonly requestIdHeader?: RequestIdHeader;
}

export type RequestIdHeader = 'recorded' | 'always' | 'never';
const REQUEST_ID_HEADER: readonly RequestIdHeader[] = ['recorded', 'always', 'never'];

export interface ResolvedOptions {
  readonly registry: Registry;
  readonly service: string;
  readonly buckets: readonly number[];
  readonly maxRoutes: number;
  readonly slowSeconds: number;
  readonly verySlowSeconds: number;
  readonly slowRequests: number;
  readonly recentErrors: number;
  readonly webSocketEvents: number;
  readonly windowSeconds: number;
  readonly requestIdHeader: RequestIdHeader;
}

function whole(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `jobstack-exporter/instrument: option ${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `jobstack-exporter/instrument: option ${name} must be a positive number of seconds, got ${String(value)}`,
    );
  }
  return value;
}

function checkBuckets(buckets: readonly number[] | undefined): readonly number[] {
  if (buckets === undefined) return OTEL_HTTP_DURATION_BUCKETS;
  const ok =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.length <= 50 &&
    buckets.every((b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > buckets[i - 1]!));
  if (!ok)
    throw new TypeError(
      'jobstack-exporter/instrument: option buckets must be 1 to 50 ascending positive finite numbers',
    );
  return Object.freeze(Array.from<number>(buckets));
}

function requestIdHeader(value: RequestIdHeader | undefined): RequestIdHeader {
  if (value === undefined) return 'recorded';
  if (!REQUEST_ID_HEADER.includes(value))
    throw new TypeError(
      `jobstack-exporter/instrument: option requestIdHeader must be one of ${REQUEST_ID_HEADER.join(', ')}, got ${String(value)}`,
    );
  return value;
}

/** Validates once, at creation: a bad option throws a TypeError naming it. */
export function resolveOptions(options: InstrumentOptions = {}): ResolvedOptions {
  const slowSeconds = seconds('slowSeconds', options.slowSeconds, 1);
  const verySlowSeconds = seconds('verySlowSeconds', options.verySlowSeconds, Math.max(5, slowSeconds));
  if (verySlowSeconds < slowSeconds)
    throw new TypeError('jobstack-exporter/instrument: option verySlowSeconds must be at least slowSeconds');
  const service = options.service ?? process.env.npm_package_name ?? 'app';
  if (typeof service !== 'string' || service === '')
    throw new TypeError('jobstack-exporter/instrument: option service must be a non-empty string');
  return Object.freeze({
    registry: options.registry ?? globalRegister,
    service: service.slice(0, SNAPSHOT_LIMITS.string),
    buckets: checkBuckets(options.buckets),
    maxRoutes: whole('maxRoutes', options.maxRoutes, 200, 1, SNAPSHOT_LIMITS.routes - 2),
    slowSeconds,
    verySlowSeconds,
    slowRequests: whole('slowRequests', options.slowRequests, 100, 1, SNAPSHOT_LIMITS.requests),
    recentErrors: whole('recentErrors', options.recentErrors, 100, 1, SNAPSHOT_LIMITS.requests),
    webSocketEvents: whole('webSocketEvents', options.webSocketEvents, 100, 1, SNAPSHOT_LIMITS.events),
    windowSeconds: whole('windowSeconds', options.windowSeconds, 300, 10, 86_400),
    requestIdHeader: requestIdHeader(options.requestIdHeader),
  });
}
