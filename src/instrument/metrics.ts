import { defineMetric, defineMetrics } from '../metrics/define';

/**
 * What `jobstack-exporter/instrument` registers in the app's prom-client registry. HTTP names and
 * labels are OpenTelemetry's semantic conventions as Prometheus exports them
 * (`http.server.request.duration` -> `http_server_request_duration_seconds`), so dashboards built
 * for OTel-instrumented services work unchanged. Declared here once: the library, its tests, the
 * API dashboard and the SLO rules import these.
 */

/** OpenTelemetry's recommended bounds for http.server.request.duration, in seconds. */
export const OTEL_HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

const request = ['http_request_method', 'http_route', 'http_response_status_code'] as const;

export const instrumentMetrics = defineMetrics({
  requestDuration: defineMetric({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests, from the first byte read to the response finished (or the client gone), in seconds.',
    type: 'histogram',
    labels: request,
    buckets: OTEL_HTTP_DURATION_BUCKETS,
  }),
  activeRequests: defineMetric({
    name: 'http_server_active_requests',
    help: 'HTTP server requests in flight.',
    type: 'gauge',
    labels: ['http_request_method'],
  }),
  routesOverflowed: defineMetric({
    name: 'http_server_route_overflow_total',
    help: 'Requests recorded under the overflow route because the cap on distinct route values was reached.',
    type: 'counter',
    labels: [],
  }),
  wsActive: defineMetric({
    name: 'websocket_server_active_connections',
    help: 'WebSocket connections open now.',
    type: 'gauge',
    labels: [],
  }),
  wsOpened: defineMetric({
    name: 'websocket_server_connections_opened_total',
    help: 'WebSocket connections accepted since start.',
    type: 'counter',
    labels: [],
  }),
  wsClosed: defineMetric({
    name: 'websocket_server_connections_closed_total',
    help: 'WebSocket connections closed since start, by close code class (normal 1000-1001, abnormal 1002-1015, application 3000-4999, none 1005-1006).',
    type: 'counter',
    labels: ['close_code_class'],
  }),
  wsMessages: defineMetric({
    name: 'websocket_server_messages_total',
    help: 'WebSocket messages since start, by direction (received or sent).',
    type: 'counter',
    labels: ['direction'],
  }),
  wsErrors: defineMetric({
    name: 'websocket_server_errors_total',
    help: 'Errors raised by WebSocket connections or the server since start.',
    type: 'counter',
    labels: [],
  }),
});

/** Values of `close_code_class`. */
export const WS_CLOSE_CODE_CLASSES = ['normal', 'abnormal', 'application', 'none'] as const;
