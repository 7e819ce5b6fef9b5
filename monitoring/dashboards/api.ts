import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { instrumentMetrics as im } from '../../src/instrument/metrics';
import type { MetricDef } from '../../src/metrics/define';
import type { MixinConfig } from '../config';
import { API_QUANTILES } from '../rules/api';
import { DATASOURCE_UID } from '../stack/grafana';
import {
  DATASOURCE,
  HEIGHT,
  dashboardBase,
  forProvisioning,
  query,
  tablePanel,
  tableQuery,
  timeseriesPanel,
  type FieldOverride,
} from './common';

export const API_DASHBOARD_UID = 'jobstack-api';

/**
 * "jobstack API": the team's API from its own /metrics (jobstack-exporter/instrument, OTel names):
 * traffic, errors, latency, per-route figures and WebSockets. Variables: datasource, instance, route.
 */
const REQ = im.requestDuration.name;

/** Series of the API job on the chosen instances (and routes, where `http_route` is a label). */
function s(cfg: MixinConfig, def: MetricDef, suffix = '', extra = ''): string {
  const matchers = [cfg.api.selector, 'instance=~"$instance"'];
  if (def.labels.includes('http_route')) matchers.push('http_route=~"$route"');
  if (extra) matchers.push(extra);
  return `${def.name}${suffix}{${matchers.join(',')}}`;
}
const reqRate = (cfg: MixinConfig, by: string, extra = '', range = '$__rate_interval') =>
  `sum by (${by}) (rate(${s(cfg, im.requestDuration, '_count', extra)}[${range}]))`;
const FIVE_XX = 'http_response_status_code=~"5.."';
const errorRatio = (cfg: MixinConfig, by: string, range?: string) =>
  `${reqRate(cfg, by, FIVE_XX, range)} / (${reqRate(cfg, by, '', range)} > 0)`;
const latency = (cfg: MixinConfig, q: string, by: string, range = '$__rate_interval') =>
  `histogram_quantile(${q}, sum by (${[by, 'le'].filter(Boolean).join(', ')}) (rate(${s(cfg, im.requestDuration, '_bucket')}[${range}])))`;

function requestRatePanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'Request rate',
    'Finished requests per second by route template (`http_route`); `_unmatched` are requests no route matched, `_overflow` those beyond the distinct-route cap.',
    'reqps',
    8,
    HEIGHT.chart,
  )
    .withTarget(query(reqRate(cfg, 'http_route'), '{{http_route}}', 'A'))
    .min(0);
}

function errorRatioPanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'Error ratio (5xx)',
    'Share of requests answered with a 5xx status, for all routes together and per route that had any. The availability objective allows ' +
      `${((1 - cfg.api.objectives.availability) * 100).toFixed(2)}%.`,
    'percentunit',
    8,
    HEIGHT.chart,
  )
    .withTarget(
      query(
        `sum(rate(${s(cfg, im.requestDuration, '_count', FIVE_XX)}[$__rate_interval])) / (sum(rate(${s(cfg, im.requestDuration, '_count')}[$__rate_interval])) > 0)`,
        'all routes',
        'A',
      ),
    )
    .withTarget(query(errorRatio(cfg, 'http_route'), '{{http_route}}', 'B'))
    .min(0);
}

function activeRequestsPanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'Active requests',
    'Requests in flight by HTTP method, summed over the chosen instances. Rising without more traffic means requests wait on something.',
    'short',
    8,
    HEIGHT.chart,
  )
    .withTarget(query(`sum by (http_request_method) (${s(cfg, im.activeRequests)})`, '{{http_request_method}}', 'A'))
    .min(0);
}

function latencyPanel(cfg: MixinConfig) {
  const panel = timeseriesPanel(
    'Latency p50 / p90 / p95 / p99',
    `Request duration quantiles over all chosen routes, from the histogram buckets. The latency objective is ${cfg.api.objectives.latency * 100}% within ${cfg.api.objectives.latencySeconds} s.`,
    's',
    12,
    HEIGHT.chart,
  );
  API_QUANTILES.forEach((q, i) =>
    panel.withTarget(query(latency(cfg, q, ''), `p${Number(q) * 100}`, String.fromCharCode(65 + i))),
  );
  return panel.min(0);
}

/** Columns: refId, expression, header, unit. */
function routeTable(
  title: string,
  description: string,
  width: number,
  height: number,
  columns: [string, string, string, string][],
  sortBy: string,
) {
  const panel = tablePanel(title, description, 'short', width, height);
  for (const [refId, expr] of columns) panel.withTarget(tableQuery(expr, refId));
  const renames: Record<string, string> = {};
  const overrides: FieldOverride[] = [];
  for (const [refId, , name, unit] of columns) {
    renames[`Value #${refId}`] = name;
    overrides.push({ matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: unit }] });
  }
  return panel
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: { excludeByName: { Time: true }, renameByName: { http_route: 'Route', ...renames } },
    })
    .sortBy([new common.TableSortByFieldStateBuilder().displayName(sortBy).desc(true)])
    .overrides(overrides);
}

function slowestRoutesPanel(cfg: MixinConfig) {
  return routeTable(
    'Slowest routes',
    'The ten routes with the highest p95 over the dashboard time range, with their p99 and request rate.',
    12,
    HEIGHT.chart,
    [
      ['A', `topk(10, ${latency(cfg, '0.95', 'http_route', '$__range')})`, 'p95', 's'],
      ['B', latency(cfg, '0.99', 'http_route', '$__range'), 'p99', 's'],
      ['C', reqRate(cfg, 'http_route', '', '$__range'), 'Requests/s', 'reqps'],
    ],
    'p95',
  );
}

function routesPanel(cfg: MixinConfig) {
  return routeTable(
    'Routes',
    'Per route over the last rate interval: requests per second, 5xx ratio and latency quantiles. Sorted by traffic.',
    24,
    HEIGHT.detail,
    [
      ['A', reqRate(cfg, 'http_route'), 'Requests/s', 'reqps'],
      ['B', errorRatio(cfg, 'http_route'), 'Error ratio', 'percentunit'],
      ['C', latency(cfg, '0.5', 'http_route'), 'p50', 's'],
      ['D', latency(cfg, '0.95', 'http_route'), 'p95', 's'],
      ['E', latency(cfg, '0.99', 'http_route'), 'p99', 's'],
    ],
    'Requests/s',
  );
}

function wsConnectionsPanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'WebSocket connections',
    'WebSocket connections open now, per instance.',
    'short',
    12,
    HEIGHT.chart,
  )
    .withTarget(query(`sum by (instance) (${s(cfg, im.wsActive)})`, '{{instance}}', 'A'))
    .min(0);
}

function wsEventsPanel(cfg: MixinConfig) {
  const r = (def: MetricDef<string, 'counter'>, by: string) =>
    `sum by (${by}) (rate(${s(cfg, def)}[$__rate_interval]))`;
  return timeseriesPanel(
    'WebSocket events',
    'Connections opened and closed (by close code class: normal, abnormal, application, none), messages by direction and errors, per second.',
    'ops',
    12,
    HEIGHT.chart,
  )
    .withTarget(query(`sum(rate(${s(cfg, im.wsOpened)}[$__rate_interval]))`, 'opened', 'A'))
    .withTarget(query(r(im.wsClosed, 'close_code_class'), 'closed {{close_code_class}}', 'B'))
    .withTarget(query(r(im.wsMessages, 'direction'), 'messages {{direction}}', 'C'))
    .withTarget(query(`sum(rate(${s(cfg, im.wsErrors)}[$__rate_interval]))`, 'errors', 'D'))
    .min(0);
}

function variables(cfg: MixinConfig): cog.Builder<dashboard.VariableModel>[] {
  return [
    new dashboard.DatasourceVariableBuilder('datasource')
      .label('Data source')
      .type('prometheus')
      .current({ text: 'Prometheus', value: DATASOURCE_UID }),
    new dashboard.QueryVariableBuilder('instance')
      .label('Instance')
      .datasource(DATASOURCE)
      .query(`label_values(up{${cfg.api.selector}}, instance)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .includeAll(true)
      .allValue('.*')
      .multi(true)
      .current({ text: 'All', value: '$__all' }),
    new dashboard.QueryVariableBuilder('route')
      .label('Route')
      .datasource(DATASOURCE)
      .query(`label_values(${REQ}_count{${cfg.api.selector},instance=~"$instance"}, http_route)`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .includeAll(true)
      .allValue('.*')
      .multi(true)
      .current({ text: 'All', value: '$__all' }),
  ];
}

/** "jobstack API": 8 panels in 4 rows. */
export function apiDashboard(cfg: MixinConfig): dashboard.Dashboard {
  const built = dashboardBase(
    'jobstack API',
    API_DASHBOARD_UID,
    "The team's API as measured in-process by jobstack-exporter/instrument: traffic, errors, latency per route, WebSockets.",
    ['jobstack', 'api', 'http', 'websocket'],
    variables(cfg),
  )
    .withRow(new dashboard.RowBuilder('Traffic'))
    .withPanel(requestRatePanel(cfg))
    .withPanel(errorRatioPanel(cfg))
    .withPanel(activeRequestsPanel(cfg))
    .withRow(new dashboard.RowBuilder('Latency'))
    .withPanel(latencyPanel(cfg))
    .withPanel(slowestRoutesPanel(cfg))
    .withRow(new dashboard.RowBuilder('Routes'))
    .withPanel(routesPanel(cfg))
    .withRow(new dashboard.RowBuilder('WebSockets'))
    .withPanel(wsConnectionsPanel(cfg))
    .withPanel(wsEventsPanel(cfg))
    .build();
  return forProvisioning(built);
}
