import type { AppReading, AppReadingsSource } from '../../collectors/sources';
import { recentFigures } from '../../collectors/app/snapshot';
import type { RequestRecord } from '../../instrument/snapshot';
import { redact } from '../../log/redact';
import type { ApiRequest, ApiSummary } from '../types';

/** Rows shown per app: the page shows the busiest routes and the newest requests and events. */
export const API_LIMITS = { routes: 50, requests: 20, events: 20 } as const;

const iso = (ms: number) => new Date(ms).toISOString();

function request(r: RequestRecord): ApiRequest {
  return {
    at: iso(r.time),
    method: r.method,
    route: r.route,
    status: r.status,
    durationSeconds: r.durationSeconds,
    correlationId: redact(r.correlationId),
    verySlow: r.verySlow,
    aborted: r.aborted,
  };
}

/** One app's figures from its latest snapshot; a target whose snapshot could not be read has only its error. */
function summary(reading: AppReading): ApiSummary {
  const s = reading.snapshot;
  if (!s) {
    return {
      target: reading.target,
      up: false,
      error: reading.error,
      service: null,
      ageSeconds: null,
      windowSeconds: null,
      requests: null,
      errorRatio: null,
      p95Seconds: null,
      routes: [],
      slowRequests: [],
      recentErrors: [],
      websockets: null,
    };
  }
  const recent = recentFigures(s);
  const routes = [...s.routes]
    .sort((a, b) => b.recent.requests - a.recent.requests || b.requests - a.requests)
    .slice(0, API_LIMITS.routes);
  const ws = s.websockets;
  return {
    target: reading.target,
    up: true,
    error: null,
    service: s.service,
    ageSeconds: (reading.readAt - s.generatedAt) / 1000,
    windowSeconds: s.routes[0]?.recent.windowSeconds ?? null,
    requests: { ...s.requests },
    errorRatio: recent.errorRatio,
    p95Seconds: recent.p95Seconds,
    routes: routes.map((r) => ({
      method: r.method,
      route: r.route,
      requestsPerSecond: r.recent.requests / r.recent.windowSeconds,
      errorRatio: r.recent.errorRatio,
      p50Seconds: r.recent.p50Seconds,
      p95Seconds: r.recent.p95Seconds,
      total: r.requests,
      totalErrors: r.errors,
    })),
    slowRequests: s.slowRequests.slice(0, API_LIMITS.requests).map(request),
    recentErrors: s.recentErrors.slice(0, API_LIMITS.requests).map(request),
    websockets: {
      open: ws.open,
      opened: ws.opened,
      closed: ws.closed,
      messagesReceived: ws.messagesReceived,
      messagesSent: ws.messagesSent,
      errors: ws.errors,
      recentEvents: ws.recentEvents.slice(0, API_LIMITS.events).map((e) => ({
        at: iso(e.time),
        type: e.type,
        code: e.code ?? null,
        detail: e.detail === undefined ? null : redact(e.detail),
      })),
    },
  };
}

/** Empty when the app collector is not enabled. */
export function apiSection(source: AppReadingsSource | undefined): ApiSummary[] {
  return source ? source.appReadings().map(summary) : [];
}
