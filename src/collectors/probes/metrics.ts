import { defineMetric, defineMetrics } from '../../metrics/define';

const target = ['target'] as const;

/** HTTP(S) probes of the application's own health endpoints, named after blackbox_exporter's where lint-clean. */
export const probeMetrics = defineMetrics({
  up: defineMetric({
    name: 'probes_up',
    help: "Whether the probe collector finished within its deadline (1) or not (0); each target's own result is probe_success.",
    type: 'gauge',
    labels: [],
  }),
  success: defineMetric({
    name: 'probe_success',
    help: 'Whether the target answered with a 2xx status within its timeout (1) or not (0).',
    type: 'gauge',
    labels: target,
  }),
  duration: defineMetric({
    name: 'probe_duration_seconds',
    help: 'Time the probe took, from connecting to the end of the response body or the failure, in seconds.',
    type: 'gauge',
    labels: target,
  }),
  statusCode: defineMetric({
    name: 'probe_http_status_code',
    help: 'HTTP status code of the response; 0 when there was none.',
    type: 'gauge',
    labels: target,
  }),
  certExpiry: defineMetric({
    name: 'probe_tls_cert_expiry_timestamp_seconds',
    help: 'Earliest expiry among the certificates the server presented (https), as a Unix timestamp in seconds.',
    type: 'gauge',
    labels: target,
  }),
});
