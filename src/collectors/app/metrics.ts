import { defineMetric, defineMetrics } from '../../metrics/define';

const target = ['target'] as const;

/**
 * What the exporter reads from each instrumented application's JSON snapshot. Not the app's
 * request histograms: Prometheus scrapes the app's own /metrics for those (job `api`). These
 * say whether the snapshot can be read, and carry the two figures the health score needs.
 */
export const appMetrics = defineMetrics({
  up: defineMetric({
    name: 'app_up',
    help: 'Whether the application answered a valid snapshot within the scrape deadline (1) or not (0).',
    type: 'gauge',
    labels: target,
  }),
  fetchDuration: defineMetric({
    name: 'app_snapshot_fetch_duration_seconds',
    help: 'Time taken to fetch and validate the snapshot, or to give up, in seconds.',
    type: 'gauge',
    labels: target,
  }),
  snapshotAge: defineMetric({
    name: 'app_snapshot_age_seconds',
    help: "Age of the snapshot when read: the exporter's clock minus the app's generatedAt, in seconds (negative when the clocks disagree).",
    type: 'gauge',
    labels: target,
  }),
  startTime: defineMetric({
    name: 'app_snapshot_start_time_seconds',
    help: 'When the application started its instrumentation, as a Unix timestamp in seconds (a change is a restart).',
    type: 'gauge',
    labels: target,
  }),
  info: defineMetric({
    name: 'app_snapshot_info',
    help: "The application's service name, from its snapshot.",
    type: 'info',
    labels: ['target', 'service'],
  }),
  requests: defineMetric({
    name: 'app_snapshot_requests_total',
    help: 'Requests the application finished since its instrumentation started, from its snapshot.',
    type: 'counter',
    labels: target,
  }),
  errors: defineMetric({
    name: 'app_snapshot_request_errors_total',
    help: 'Requests the application answered with a 5xx status since its instrumentation started, from its snapshot.',
    type: 'counter',
    labels: target,
  }),
  activeRequests: defineMetric({
    name: 'app_snapshot_active_requests',
    help: 'Requests in flight in the application when the snapshot was made.',
    type: 'gauge',
    labels: target,
  }),
  recentErrorRatio: defineMetric({
    name: 'app_snapshot_recent_error_ratio',
    help: "Share (0-1) of the application's requests answered 5xx over its recent window (the library's windowSeconds, 5 min by default); absent when it served none. Read by the health score.",
    type: 'gauge',
    labels: target,
  }),
  recentP95: defineMetric({
    name: 'app_snapshot_recent_p95_seconds',
    help: "Highest p95 request duration among the application's routes with at least 10 requests in its recent window, in seconds; absent when none has. Read by the health score.",
    type: 'gauge',
    labels: target,
  }),
  wsOpen: defineMetric({
    name: 'app_snapshot_websocket_connections',
    help: 'WebSocket connections open in the application when the snapshot was made.',
    type: 'gauge',
    labels: target,
  }),
});
