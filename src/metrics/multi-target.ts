import { defineMetric, defineMetrics } from './define';

/**
 * /metrics figures about /probe (multi-target mode). Labels are bounded by the configuration
 * (module names) and fixed sets; a target never becomes a label here: the /probe answer itself
 * describes its target, and Prometheus adds `instance` by relabeling.
 */
export const multiTargetMetrics = defineMetrics({
  requests: defineMetric({
    name: 'jobstack_exporter_probe_requests_total',
    help: 'GET /probe requests since startup by module ("" when unknown) and result: collected, or refused (bad target, unknown module, not in multiTarget.allow).',
    type: 'counter',
    labels: ['module', 'result'],
  }),
  targets: defineMetric({
    name: 'jobstack_exporter_probe_targets',
    help: 'Targets whose collectors and connections are kept (at most multiTarget.maxTargets).',
    type: 'gauge',
    labels: [],
  }),
  closed: defineMetric({
    name: 'jobstack_exporter_probe_targets_closed_total',
    help: 'Targets whose connections were closed since startup, by reason: evicted (past multiTarget.maxTargets), idle (multiTarget.idleTimeout), credentials (changed in the credentials file), shutdown.',
    type: 'counter',
    labels: ['reason'],
  }),
});

/** The `result` label values. */
export const PROBE_RESULTS = ['collected', 'invalid', 'unknown_module', 'not_allowed'] as const;
export type ProbeResult = (typeof PROBE_RESULTS)[number];
