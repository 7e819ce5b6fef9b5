import type { RuleCase } from './types';

const PROM = 'job="prometheus",instance="prom:9090"';
const AM = 'job="alertmanager",instance="am:9093"';
const promLabels = { job: 'prometheus', instance: 'prom:9090', severity: 'critical', component: 'monitoring' };
const amLabels = { job: 'alertmanager', instance: 'am:9093', component: 'monitoring' };

/** Prometheus and Alertmanager watching themselves (monitoring/rules/meta.ts). */
export const metaCases: RuleCase[] = [
  {
    name: 'Watchdog always fires',
    series: [],
    alerts: [
      {
        at: '1m',
        alert: 'Watchdog',
        firing: [
          {
            labels: { severity: 'none', component: 'monitoring' },
            description:
              'Always firing while Prometheus evaluates rules and Alertmanager delivers: the heartbeat receiver hears it every minute. When it stops arriving, alerting is broken.',
          },
        ],
      },
    ],
  },
  {
    name: 'Prometheus cannot notify, fails rules, fails a reload',
    series: [
      // 10% of notifications fail from the start; a healthy second Prometheus fails none.
      { series: `prometheus_notifications_errors_total{${PROM}}`, values: '0+1x60' },
      { series: `prometheus_notifications_sent_total{${PROM}}`, values: '0+10x60' },
      { series: `prometheus_notifications_alertmanagers_discovered{${PROM}}`, values: '1x60' },
      { series: `prometheus_notifications_errors_total{job="prometheus",instance="ok:9090"}`, values: '0x60' },
      { series: `prometheus_notifications_sent_total{job="prometheus",instance="ok:9090"}`, values: '0+10x60' },
      {
        series: `prometheus_notifications_alertmanagers_discovered{job="prometheus",instance="ok:9090"}`,
        values: '1x60',
      },
      {
        series: `prometheus_rule_evaluation_failures_total{${PROM},rule_group="jobstack-alerts"}`,
        values: '0x20 0+1x40',
      },
      { series: `prometheus_config_last_reload_successful{${PROM}}`, values: '1x20 0x40' },
    ],
    alerts: [
      { at: '3m', alert: 'PrometheusNotificationsFailing', firing: [] },
      {
        at: '8m',
        alert: 'PrometheusNotificationsFailing',
        firing: [
          {
            labels: promLabels,
            description:
              'Prometheus prom:9090 fails to deliver alerts to Alertmanager (or knows none): other alerts may not reach anyone.',
          },
        ],
      },
      { at: '5m', alert: 'PrometheusRuleEvaluationFailures', firing: [] },
      {
        at: '12m',
        alert: 'PrometheusRuleEvaluationFailures',
        firing: [
          {
            labels: { ...promLabels, rule_group: 'jobstack-alerts' },
            description: 'Prometheus prom:9090 failed 20 rule evaluations in the last 5m: some alerts can never fire.',
          },
        ],
      },
      { at: '5m', alert: 'PrometheusConfigReloadFailed', firing: [] },
      {
        at: '12m',
        alert: 'PrometheusConfigReloadFailed',
        firing: [
          {
            labels: { ...promLabels, severity: 'warning' },
            description: 'Prometheus prom:9090 could not load its last configuration; it runs the previous one.',
          },
        ],
      },
    ],
  },
  {
    name: 'Prometheus knows no Alertmanager',
    series: [{ series: `prometheus_notifications_alertmanagers_discovered{${PROM}}`, values: '1x10 0x40' }],
    alerts: [
      {
        at: '10m',
        alert: 'PrometheusNotificationsFailing',
        firing: [
          {
            labels: promLabels,
            description:
              'Prometheus prom:9090 fails to deliver alerts to Alertmanager (or knows none): other alerts may not reach anyone.',
          },
        ],
      },
    ],
  },
  {
    name: 'Alertmanager fails to deliver, fails a reload, is down',
    series: [
      { series: `alertmanager_notifications_failed_total{${AM},integration="slack"}`, values: '0x20 3x40' },
      { series: `alertmanager_notifications_failed_total{${AM},integration="email"}`, values: '0x60' },
      { series: `alertmanager_config_last_reload_successful{${AM}}`, values: '1x20 0x40' },
      { series: `up{${AM}}`, values: '1x20 0x40' },
      { series: `up{job="alertmanager",instance="blip:9093"}`, values: '1x20 0 1x39' },
    ],
    alerts: [
      { at: '4m', alert: 'AlertmanagerNotificationsFailing', firing: [] },
      {
        at: '6m',
        alert: 'AlertmanagerNotificationsFailing',
        firing: [
          {
            labels: { instance: 'am:9093', integration: 'slack', severity: 'critical', component: 'monitoring' },
            description: 'Alertmanager am:9093 failed 3 slack notifications in the last 5m.',
          },
        ],
      },
      { at: '5m', alert: 'AlertmanagerConfigReloadFailed', firing: [] },
      {
        at: '12m',
        alert: 'AlertmanagerConfigReloadFailed',
        firing: [
          {
            labels: { ...amLabels, severity: 'warning' },
            description: 'Alertmanager am:9093 could not load its last configuration; it runs the previous one.',
          },
        ],
      },
      { at: '5m15s', alert: 'MonitoringTargetDown', firing: [] },
      {
        at: '6m',
        alert: 'MonitoringTargetDown',
        firing: [
          {
            labels: { ...amLabels, severity: 'critical' },
            description: 'alertmanager on am:9093 has not answered a scrape for 20s.',
          },
        ],
      },
    ],
  },
];
