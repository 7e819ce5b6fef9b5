import { defineMetric } from '../../src/metrics/define';
import type { MixinConfig } from '../config';
import type { AlertRule } from './types';

/**
 * The monitoring watches itself (the kube-prometheus convention): an always-firing Watchdog whose
 * absence at a dead man's switch is the alarm, and Prometheus and Alertmanager scraped for the
 * failures that would otherwise keep every other alert from reaching a person.
 */
const counter = (name: string) =>
  defineMetric({ name, help: 'Prometheus/Alertmanager metric.', type: 'counter', labels: [] });
const gauge = (name: string) =>
  defineMetric({ name, help: 'Prometheus/Alertmanager metric.', type: 'gauge', labels: [] });
/** Metrics Prometheus and Alertmanager export about themselves (names as of Prometheus 2.x, Alertmanager 0.25+). */
export const metaMetrics = {
  promNotificationErrors: counter('prometheus_notifications_errors_total'),
  promNotificationsSent: counter('prometheus_notifications_sent_total'),
  promAlertmanagersDiscovered: gauge('prometheus_notifications_alertmanagers_discovered'),
  promRuleFailures: counter('prometheus_rule_evaluation_failures_total'),
  promConfigReloadOk: gauge('prometheus_config_last_reload_successful'),
  amNotificationsFailed: counter('alertmanager_notifications_failed_total'),
  amNotifications: counter('alertmanager_notifications_total'),
  amConfigReloadOk: gauge('alertmanager_config_last_reload_successful'),
} as const;

export function metaAlerts(cfg: MixinConfig): AlertRule[] {
  const m = metaMetrics;
  const prom = `job="${cfg.meta.prometheusJob}"`;
  const am = `job="${cfg.meta.alertmanagerJob}"`;
  const w = cfg.rateWindow;
  return [
    {
      alert: 'Watchdog',
      expr: 'vector(1)',
      for: '0m',
      severity: 'none',
      component: 'monitoring',
      summary: 'Heartbeat of the alerting pipeline; always firing',
      description:
        'Always firing while Prometheus evaluates rules and Alertmanager delivers: the heartbeat receiver hears it every minute. When it stops arriving, alerting is broken.',
      runbook: {
        meaning:
          "Not a problem: this alert fires all the time so that a dead man's switch (healthchecks.io, Dead Man's Snitch, PagerDuty heartbeat, or the inbox's \"last heartbeat\") can page when it stops arriving, i.e. when Prometheus, Alertmanager or the path between them and you is broken.",
        checks: [
          'If the heartbeat stopped: is Prometheus running and evaluating rules (`/rules`, `prometheus_rule_evaluation_failures_total`)?',
          'Is Alertmanager running and reachable from Prometheus (`prometheus_notifications_alertmanagers_discovered`)?',
          'Can Alertmanager reach the heartbeat URL (`alertmanager_notifications_failed_total{integration="webhook"}`)?',
        ],
        fix: "Restart what stopped; point the `heartbeat` receiver at an external dead man's switch so its silence pages someone.",
      },
    },
    {
      alert: 'PrometheusNotificationsFailing',
      expr: `rate(${m.promNotificationErrors.name}{${prom}}[${w}]) / (rate(${m.promNotificationsSent.name}{${prom}}[${w}]) > 0) > ${cfg.meta.notificationErrorRatio} or ${m.promAlertmanagersDiscovered.name}{${prom}} < 1`,
      for: '5m',
      severity: 'critical',
      component: 'monitoring',
      summary: 'Prometheus cannot send alerts to Alertmanager',
      description:
        'Prometheus {{ $labels.instance }} fails to deliver alerts to Alertmanager (or knows none): other alerts may not reach anyone.',
      runbook: {
        meaning: 'Prometheus evaluates alerts but cannot hand them to Alertmanager, so nobody is notified of anything.',
        checks: [
          'Prometheus `/status` and `/targets`: is Alertmanager listed and up?',
          '`curl http://<alertmanager>:9093/-/ready` from the Prometheus host.',
          'Prometheus logs: "Error sending alert" lines name the cause.',
        ],
        fix: 'Start Alertmanager or fix the `alerting.alertmanagers` address in prometheus.yml and reload Prometheus.',
      },
    },
    {
      alert: 'PrometheusRuleEvaluationFailures',
      expr: `increase(${m.promRuleFailures.name}{${prom}}[${w}]) > 0`,
      for: '5m',
      severity: 'critical',
      component: 'monitoring',
      summary: 'Prometheus fails to evaluate rules',
      description:
        'Prometheus {{ $labels.instance }} failed {{ $value | humanize }} rule evaluations in the last ' +
        w +
        ': some alerts can never fire.',
      runbook: {
        meaning:
          'A recording or alerting rule errors at every evaluation (e.g. many-to-many matching after a label change), so the alerts depending on it are blind.',
        checks: [
          'Prometheus `/rules`: failing rules show their error in red.',
          'Which rule group: the `rule_group` label of `prometheus_rule_evaluation_failures_total`.',
          "What changed: the rule files, the exporter's labels, a second job scraping the same metrics.",
        ],
        fix: 'Fix the rule or the labels it matches, regenerate with `npm run build:monitoring`, reload Prometheus.',
      },
    },
    {
      alert: 'PrometheusConfigReloadFailed',
      expr: `${m.promConfigReloadOk.name}{${prom}} == 0`,
      for: '5m',
      severity: 'warning',
      component: 'monitoring',
      summary: 'Prometheus configuration reload failed',
      description: 'Prometheus {{ $labels.instance }} could not load its last configuration; it runs the previous one.',
      runbook: {
        meaning:
          'A configuration or rule file change was rejected; Prometheus keeps the old one, so the change (and anything it fixed) is not in effect, and a restart would fail.',
        checks: [
          '`promtool check config /etc/prometheus/prometheus.yml`',
          'Prometheus logs: "Error reloading config" names the file and line.',
          '`promtool check rules` on the rule files.',
        ],
        fix: 'Fix the file and reload (`curl -X POST http://<prometheus>:9090/-/reload`).',
      },
    },
    {
      alert: 'AlertmanagerNotificationsFailing',
      expr: `sum by (instance, integration) (increase(${m.amNotificationsFailed.name}{${am}}[${w}])) > 0`,
      for: '0m',
      severity: 'critical',
      component: 'monitoring',
      summary: 'Alertmanager fails to deliver notifications',
      description:
        'Alertmanager {{ $labels.instance }} failed {{ $value | humanize }} {{ $labels.integration }} notifications in the last ' +
        w +
        '.',
      runbook: {
        meaning:
          'Alertmanager has alerts to send but the receiver (webhook, Slack, e-mail, PagerDuty) refuses them or cannot be reached. This alert may itself not arrive through the broken integration: the heartbeat going silent is the backstop.',
        checks: [
          'Alertmanager logs: "Notify for alerts failed" with the integration and error.',
          'The secret files under ALERTMANAGER_SECRETS_DIR: present, readable, not expired (Slack URL, PagerDuty key, SMTP password).',
          'Network from Alertmanager to the receiver (proxy, DNS, firewall).',
        ],
        fix: 'Fix the credentials or address of the receiver and restart Alertmanager; notifications are retried until they succeed or expire.',
      },
    },
    {
      alert: 'AlertmanagerConfigReloadFailed',
      expr: `${m.amConfigReloadOk.name}{${am}} == 0`,
      for: '5m',
      severity: 'warning',
      component: 'monitoring',
      summary: 'Alertmanager configuration reload failed',
      description:
        'Alertmanager {{ $labels.instance }} could not load its last configuration; it runs the previous one.',
      runbook: {
        meaning:
          'An alertmanager.yml change was rejected; the old routing and receivers stay in effect and a restart would fail.',
        checks: [
          '`amtool check-config /etc/alertmanager/alertmanager-<receiver>.yml`',
          'Alertmanager logs: "Loading configuration file failed".',
          'Whether the secret files it names exist.',
        ],
        fix: 'Fix the file (or regenerate with `npm run build:monitoring`) and reload (`curl -X POST http://<alertmanager>:9093/-/reload`).',
      },
    },
    {
      alert: 'MonitoringTargetDown',
      expr: `up{${prom}} == 0 or up{${am}} == 0`,
      for: cfg.for.down,
      severity: 'critical',
      component: 'monitoring',
      summary: 'Prometheus or Alertmanager cannot be scraped',
      description: '{{ $labels.job }} on {{ $labels.instance }} has not answered a scrape for ' + cfg.for.down + '.',
      runbook: {
        meaning:
          "Alertmanager (or Prometheus' own endpoint) does not answer: alerts may be evaluated but not delivered.",
        checks: [
          '`docker compose ps alertmanager prometheus`',
          'Their logs: a configuration error stops Alertmanager at start.',
          'Disk space of their data volumes.',
        ],
        fix: 'Restart it and fix what its log names.',
      },
    },
  ];
}
