import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { MetricDef } from '../../src/metrics/define';
import type { MixinConfig } from '../config';
import { GRAFANA_SCHEMA_VERSION } from '../stack/grafana';

/** Every panel queries the datasource chosen by the `datasource` variable. */
export const DATASOURCE: dashboard.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Panel heights: one per row so rows line up (Grafana users notice ragged rows). */
export const HEIGHT = { overview: 6, chart: 8, detail: 10 } as const;

/** Selector for a metric on the chosen instances (and queues, where `queue` is a label). */
export function m(cfg: MixinConfig, def: MetricDef, extra = ''): string {
  const matchers = [cfg.selector, 'instance=~"$instance"'];
  if (def.labels.includes('queue')) matchers.push('queue=~"$queue"');
  if (extra) matchers.push(extra);
  return `${def.name}{${matchers.join(',')}}`;
}

/** rate() over a counter with Grafana's $__rate_interval; a gauge is a type error here. */
export function r(cfg: MixinConfig, def: MetricDef<string, 'counter'>, extra = ''): string {
  return `rate(${m(cfg, def, extra)}[$__rate_interval])`;
}

/** A histogram quantile over a rate of its buckets. */
/** `withTotal`: also the histogram of all queues (collectors.bullmq.histograms: total; no queue label), whatever queues are selected. */
export function quantile(
  cfg: MixinConfig,
  q: number,
  def: MetricDef<string, 'histogram'>,
  by = 'queue',
  withTotal = false,
): string {
  const queues = withTotal ? '$queue|' : '$queue';
  const selector = `{${cfg.selector},instance=~"$instance",queue=~"${queues}"}[$__rate_interval]`;
  // Classic buckets, or the native histogram a Prometheus with native histograms enabled keeps instead.
  return `histogram_quantile(${q}, sum by (${by}, le) (rate(${def.name}_bucket${selector}))) or histogram_quantile(${q}, sum by (${by}) (rate(${def.name}${selector})))`;
}

export function query(expr: string, legend = '', refId?: string): prometheus.DataqueryBuilder {
  const q = new prometheus.DataqueryBuilder()
    .expr(expr)
    .legendFormat(legend || '__auto')
    .datasource(DATASOURCE);
  return refId ? q.refId(refId) : q;
}

/** An instant query in table format, for table panels. */
export function tableQuery(expr: string, refId: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .expr(expr)
    .instant()
    .format(prometheus.PromQueryFormat.Table)
    .refId(refId)
    .datasource(DATASOURCE);
}

export function timeseriesPanel(
  title: string,
  description: string,
  unit: string,
  width: number,
  height: number,
): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(width)
    .height(height)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    );
}

export function statPanel(
  title: string,
  description: string,
  unit: string,
  width: number,
  height: number,
): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(width)
    .height(height);
}

export function tablePanel(
  title: string,
  description: string,
  unit: string,
  width: number,
  height: number,
): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(width)
    .height(height);
}

/** One entry of a panel's fieldConfig.overrides. */
export type FieldOverride = dashboard.FieldConfigSource['overrides'][number];

/** Threshold steps, first one the base color. */
export function thresholds(steps: [string, number | null][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([color, value]) => ({ color, value })));
}

/** Value mapping 0/1 -> down/up, colored. */
export function upDownMapping(): dashboard.ValueMap {
  return {
    type: dashboard.MappingType.ValueToText,
    options: { '0': { text: 'down', color: 'red', index: 0 }, '1': { text: 'up', color: 'green', index: 1 } },
  };
}

/**
 * The built model as the file Grafana provisions: stable panel ids in layout order (Grafana links
 * to panels by id), a refId on every query (Grafana assigns missing ones on load, so the saved model
 * would differ from this file), and the schema version of the Grafana the stack runs.
 */
export function forProvisioning(built: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const panel of built.panels ?? []) {
    panel.id = id++;
    const targets = ('targets' in panel ? panel.targets : undefined) as { refId?: string }[] | undefined;
    targets?.forEach((t, i) => (t.refId ??= String.fromCharCode(65 + i)));
  }
  built.schemaVersion = GRAFANA_SCHEMA_VERSION;
  return built;
}

/** What both dashboards share: refresh, time range, shared crosshair, the datasource/instance variables. */
export function dashboardBase(
  title: string,
  uid: string,
  description: string,
  tags: string[],
  variables: cog.Builder<dashboard.VariableModel>[],
): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(tags)
    .editable()
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .variables(variables);
}
