import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { localStorageMetrics as ls } from '../../src/collectors/localstorage/metrics';
import { postgresMetrics as p } from '../../src/collectors/postgres/metrics';
import { probeMetrics as pr } from '../../src/collectors/probes/metrics';
import { redisMetrics as r } from '../../src/collectors/redis/metrics';
import { s3Metrics as s3 } from '../../src/collectors/s3/metrics';
import { bullmqMetrics as b } from '../../src/collectors/bullmq/metrics';
import { selfMetrics } from '../../src/metrics/self';
import type { MixinConfig } from '../config';
import { RECORD } from '../rules/names';
import { DATASOURCE_UID } from '../stack/grafana';
import {
  DATASOURCE,
  HEIGHT,
  dashboardBase,
  forProvisioning,
  m,
  query,
  statPanel,
  thresholds,
  upDownMapping,
} from './common';
import { postgresPanel, redisPanel, storagePanel } from './dependencies';
import { hostPanel } from './host';
import {
  backlogPanel,
  durationPanel,
  failureRatioPanel,
  oldestWaitingPanel,
  queueTablePanel,
  throughputPanel,
  workersPanel,
} from './queues';

export const DASHBOARD_UID = 'jobstack-overview';

/** Panel 1: the health score recorded by jobstack:health_score. */
function healthScorePanel(cfg: MixinConfig) {
  return statPanel(
    'Health score',
    'jobstack:health_score: 100 minus penalties for components down, queues without workers, stuck or failing jobs, nearly full storage and failing probes or collectors (README "Health score"). 0 while the exporter is down.',
    'none',
    6,
    HEIGHT.overview,
  )
    .withTarget(query(`min(${RECORD.healthScore}{instance=~"$instance"})`, 'score'))
    .min(0)
    .max(100)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(common.BigValueColorMode.Background)
    .thresholds(
      thresholds([
        ['red', null],
        ['orange', 50],
        ['green', cfg.healthScoreWarning],
      ]),
    );
}

/** Panel 2: each dependency and the exporter's collectors, up or down. */
function componentsPanel(cfg: MixinConfig) {
  const up = (expr: string, legend: string, refId: string) => query(`min(${expr})`, legend, refId);
  return statPanel(
    'Components up',
    "Whether each dependency answers the exporter: Redis, PostgreSQL, S3, local storage, the application's probes (all passing) and the exporter's collectors (all succeeding). Missing: not configured.",
    'none',
    12,
    HEIGHT.overview,
  )
    .withTarget(up(m(cfg, r.up), 'Redis', 'A'))
    .withTarget(up(m(cfg, p.up), 'PostgreSQL', 'B'))
    .withTarget(up(m(cfg, s3.up), 'S3', 'C'))
    .withTarget(up(m(cfg, ls.up), 'Local storage', 'D'))
    .withTarget(up(m(cfg, pr.success), 'Probes', 'E'))
    .withTarget(up(m(cfg, selfMetrics.collectorSuccess), 'Collectors', 'F'))
    .withTarget(up(m(cfg, b.up), 'Queues', 'G'))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.ValueAndName)
    .mappings([upDownMapping()])
    .thresholds(
      thresholds([
        ['red', null],
        ['green', 1],
      ]),
    );
}

function variables(cfg: MixinConfig): cog.Builder<dashboard.VariableModel>[] {
  return [
    new dashboard.DatasourceVariableBuilder('datasource')
      .label('Data source')
      .type('prometheus')
      .current({ text: 'Prometheus', value: DATASOURCE_UID }),
    new dashboard.QueryVariableBuilder('instance')
      .label('Exporter')
      .datasource(DATASOURCE)
      .query(`label_values(${selfMetrics.buildInfo.name}{${cfg.selector}}, instance)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .includeAll(true)
      .multi(true)
      .current({ text: 'All', value: '$__all' }),
    new dashboard.QueryVariableBuilder('queue')
      .label('Queue')
      .datasource(DATASOURCE)
      .query(`label_values(${b.jobs.name}{${cfg.selector},instance=~"$instance"}, queue)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .includeAll(true)
      .allValue('.*')
      .multi(true)
      .current({ text: 'All', value: '$__all' }),
  ];
}

/** "jobstack overview": 14 panels in 6 rows, built with the Grafana foundation SDK. */
export function overviewDashboard(cfg: MixinConfig): dashboard.Dashboard {
  const localFree = `${m(cfg, ls.fsAvail)}`;
  const board = dashboardBase(
    'jobstack overview',
    DASHBOARD_UID,
    'BullMQ queues, Redis, PostgreSQL, storage and hosts as seen by jobstack-exporter.',
    ['jobstack', 'bullmq', 'redis', 'postgresql'],
    variables(cfg),
  )
    .withRow(new dashboard.RowBuilder('Overview'))
    .withPanel(healthScorePanel(cfg))
    .withPanel(componentsPanel(cfg))
    .withPanel(workersPanel(cfg))
    .withRow(new dashboard.RowBuilder('Queues'))
    .withPanel(backlogPanel(cfg))
    .withPanel(throughputPanel(cfg))
    .withRow(new dashboard.RowBuilder('Jobs'))
    .withPanel(failureRatioPanel(cfg))
    .withPanel(durationPanel(cfg, 'wait'))
    .withPanel(durationPanel(cfg, 'processing'))
    .withRow(new dashboard.RowBuilder('Per queue'))
    .withPanel(oldestWaitingPanel(cfg))
    .withPanel(queueTablePanel(cfg))
    .withRow(new dashboard.RowBuilder('Dependencies'))
    .withPanel(redisPanel(cfg))
    .withPanel(postgresPanel(cfg))
    .withPanel(storagePanel(cfg, localFree))
    .withRow(new dashboard.RowBuilder('Host'))
    .withPanel(hostPanel(cfg));
  return forProvisioning(board.build());
}
