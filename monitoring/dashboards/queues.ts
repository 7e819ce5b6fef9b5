import * as common from '@grafana/grafana-foundation-sdk/common';
import { bullmqMetrics as b } from '../../src/collectors/bullmq/metrics';
import type { MixinConfig } from '../config';
import { BACKLOG_STATES } from '../../src/collectors/bullmq/queue-state';
import {
  HEIGHT,
  m,
  query,
  quantile,
  statPanel,
  tablePanel,
  tableQuery,
  thresholds,
  timeseriesPanel,
  type FieldOverride,
} from './common';

/** Completed or failed jobs per second per queue: BullMQ's counters where kept, else the sampled count. */
function finishedPerSecond(cfg: MixinConfig, status: 'completed' | 'failed'): string {
  const exact = status === 'completed' ? b.completedTotal : b.failedTotal;
  return `sum by (queue) (rate(${m(cfg, exact)}[$__rate_interval])) or sum by (queue) (rate(${m(cfg, b.finished, `status="${status}"`)}[$__rate_interval]))`;
}

const failureRatio = (cfg: MixinConfig) =>
  `(${finishedPerSecond(cfg, 'failed')}) / ((${finishedPerSecond(cfg, 'completed')}) + (${finishedPerSecond(cfg, 'failed')}) > 0)`;

/** Panel 3: workers connected per queue. */
export function workersPanel(cfg: MixinConfig) {
  return statPanel(
    'Workers online',
    'Workers connected to each queue, counted from Redis CLIENT LIST connection names. Red: none, so jobs wait until one connects.',
    'short',
    6,
    HEIGHT.overview,
  )
    .withTarget(query(`sum by (queue) (${m(cfg, b.workers)})`, '{{queue}}'))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .thresholds(
      thresholds([
        ['red', null],
        ['green', 1],
      ]),
    );
}

/** Panel 4: jobs by state, stacked. */
export function backlogPanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'Queue backlog by state',
    'Jobs in each state across the selected queues (waiting, prioritized and delayed are the backlog; active are being processed). A gauge: shown as is, never rated.',
    'short',
    12,
    HEIGHT.chart,
  )
    .withTarget(
      query(
        `sum by (state) (${m(cfg, b.jobs, `state=~"${[...BACKLOG_STATES, 'active', 'waiting-children', 'paused'].join('|')}"`)})`,
        '{{state}}',
      ),
    )
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .fillOpacity(25)
    .min(0);
}

/** Panel 5: jobs completed and failed per second. */
export function throughputPanel(cfg: MixinConfig) {
  const failedRed: FieldOverride = {
    matcher: { id: 'byFrameRefID', options: 'B' },
    properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }],
  };
  return timeseriesPanel(
    'Job throughput',
    "Jobs completed and failed per second per queue: BullMQ's own counters where workers keep them (metrics option), otherwise the exporter's sampled count of finished jobs.",
    'ops',
    12,
    HEIGHT.chart,
  )
    .withTarget(query(finishedPerSecond(cfg, 'completed'), 'completed {{queue}}', 'A'))
    .withTarget(query(finishedPerSecond(cfg, 'failed'), 'failed {{queue}}', 'B'))
    .min(0)
    .overrides([failedRed]);
}

/** Panel 6: failed share of finished jobs. */
export function failureRatioPanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'Job failure ratio',
    'Failed jobs as a share of finished jobs per queue. No value when a queue finished nothing (0/0 is not 0%).',
    'percentunit',
    8,
    HEIGHT.chart,
  )
    .withTarget(query(failureRatio(cfg), '{{queue}}'))
    .min(0)
    .max(1)
    .thresholds(
      thresholds([
        ['green', null],
        ['orange', cfg.queues.failureRatioWarning],
        ['red', cfg.queues.failureRatioCritical],
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}

/** Panels 7 and 8: wait and processing time quantiles. */
export function durationPanel(cfg: MixinConfig, which: 'wait' | 'processing') {
  const def = which === 'wait' ? b.waitDuration : b.processingDuration;
  const title = which === 'wait' ? 'Job wait time' : 'Job processing time';
  const description =
    which === 'wait'
      ? 'How long finished jobs waited before their last attempt started (retries and delays included): p50, p95, p99 across the selected queues. Sampled by the exporter from finished jobs; an exporter with collectors.bullmq.histograms: total adds all its queues, whatever the selection.'
      : 'How long finished jobs took in their last attempt: p50, p95, p99 across the selected queues. Sampled by the exporter from finished jobs; an exporter with collectors.bullmq.histograms: total adds all its queues, whatever the selection.';
  const panel = timeseriesPanel(title, description, 's', 8, HEIGHT.chart);
  for (const q of [0.5, 0.95, 0.99])
    panel.withTarget(query(quantile(cfg, q, def, 'instance', true), `p${Math.round(q * 100)}`));
  return panel.min(0);
}

/** Panel 9: age of the next job to run, per queue. */
export function oldestWaitingPanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'Oldest waiting job age',
    'How long the next job to run has been waiting, per queue. Rising steadily means nothing takes jobs (no workers, paused, rate limited or stuck).',
    's',
    8,
    HEIGHT.detail,
  )
    .withTarget(query(m(cfg, b.oldestWaitingAge), '{{queue}}'))
    .min(0)
    .thresholds(
      thresholds([
        ['green', null],
        ['red', cfg.queues.oldestWaitingSeconds],
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}

/** Panel 10: one row per queue, the figures an on-call engineer compares first. */
export function queueTablePanel(cfg: MixinConfig) {
  const columns: [string, string, string, string][] = [
    ['A', `sum by (queue) (${m(cfg, b.jobs, `state=~"${BACKLOG_STATES.join('|')}"`)})`, 'Backlog', 'short'],
    ['B', `sum by (queue) (${m(cfg, b.jobs, 'state="active"')})`, 'Active', 'short'],
    ['C', `sum by (queue) (${m(cfg, b.jobs, 'state="failed"')})`, 'Failed (kept)', 'short'],
    ['D', `sum by (queue) (${m(cfg, b.workers)})`, 'Workers', 'short'],
    ['E', finishedPerSecond(cfg, 'completed'), 'Completed/s', 'ops'],
    ['F', failureRatio(cfg), 'Failure ratio', 'percentunit'],
    ['G', quantile(cfg, 0.95, b.processingDuration), 'p95 processing', 's'],
    ['H', `max by (queue) (${m(cfg, b.oldestWaitingAge)})`, 'Oldest waiting', 's'],
  ];
  const panel = tablePanel(
    'Queues',
    'Per queue: backlog (waiting + prioritized + delayed), active, failed jobs still kept, workers, completions per second, failure ratio, p95 processing time and the age of the oldest waiting job.',
    'short',
    16,
    HEIGHT.detail,
  );
  for (const [refId, expr] of columns) panel.withTarget(tableQuery(expr, refId));
  const renames: Record<string, string> = {};
  const overrides: FieldOverride[] = [];
  columns.forEach(([refId, , name, unit]) => {
    renames[`Value #${refId}`] = name;
    overrides.push({ matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: unit }] });
  });
  return panel
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: { excludeByName: { Time: true }, renameByName: { queue: 'Queue', ...renames } },
    })
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('Backlog').desc(true)])
    .overrides(overrides);
}
