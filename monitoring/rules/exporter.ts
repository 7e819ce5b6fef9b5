import { selfMetrics as s } from '../../src/metrics/self';
import type { MixinConfig } from '../config';
import { sel } from '../promql';
import type { AlertRule } from './types';

export function exporterAlerts(cfg: MixinConfig): AlertRule[] {
  return [
    {
      alert: 'JobstackExporterDown',
      expr: `up{${cfg.selector}} == 0`,
      for: cfg.for.down,
      severity: 'critical',
      component: 'exporter',
      summary: 'jobstack-exporter cannot be scraped',
      description:
        'Prometheus has not scraped jobstack-exporter on {{ $labels.instance }} for ' +
        cfg.for.down +
        '; every other jobstack alert for it is silenced until it is back.',
      runbook: {
        meaning:
          'Prometheus cannot scrape the exporter. Nothing about Redis, queues, the database or storage on that instance is known, so their alerts are inhibited.',
        checks: [
          'Is the process running? `systemctl status jobstack-exporter` / `docker compose ps exporter`.',
          'Its last log lines (JSON): a config error exits with code 2 and names the setting.',
          '`curl -s http://<instance>/health` from the Prometheus host: network or firewall?',
        ],
        fix: 'Restart it, fix the configuration it names, or open the network path. `jobstack-exporter --check-config` validates a config without starting.',
      },
    },
    {
      alert: 'JobstackCollectorFailing',
      expr: `${sel(cfg, s.collectorSuccess)} == 0`,
      for: cfg.for.collector,
      severity: 'warning',
      component: 'exporter',
      summary: 'A jobstack-exporter collector keeps failing',
      description:
        'Collector {{ $labels.collector }} on {{ $labels.instance }} has failed every scrape for ' +
        cfg.for.collector +
        '.',
      runbook: {
        meaning:
          'One collector cannot read its dependency or runs out of time. Its metrics are missing and its `_up` metric is 0.',
        checks: [
          "The exporter landing page `/` shows the collector's last error.",
          '`jobstack_exporter_collector_duration_seconds`: close to the scrape timeout means it times out.',
          'The exporter logs (`"msg":"collector failed"` with the collector name).',
        ],
        fix: "Fix the dependency or its credentials; if it is just slow, raise the scrape timeout or the collector's `timeout`.",
      },
    },
    {
      alert: 'JobstackScrapeSlow',
      expr: `scrape_duration_seconds{${cfg.selector}} > ${cfg.scrapeDurationWarning} * ${seconds(cfg.scrapeTimeout)}`,
      for: '10m',
      severity: 'warning',
      component: 'exporter',
      summary: 'Scrapes of jobstack-exporter take nearly the whole timeout',
      description: `Scraping {{ $labels.instance }} takes {{ $value | humanizeDuration }}, over ${Math.round(cfg.scrapeDurationWarning * 100)}% of the ${cfg.scrapeTimeout} timeout: collectors are about to time out.`,
      runbook: {
        meaning:
          'The exporter answers close to the scrape deadline: a slightly slower dependency and collectors start timing out (their `_up` drops to 0 and *Down alerts fire for a slow, not a dead, dependency).',
        checks: [
          '`jobstack_exporter_collector_duration_seconds` by collector: which one is slow?',
          "That dependency's latency (Redis slowlog, PostgreSQL pg_stat_activity) and the exporter host's CPU.",
          'The number of queues read per scrape (`bullmq_queues`).',
        ],
        fix: 'Fix the slow dependency, list fewer queues, raise the collector timeout and scrape timeout together, or run one exporter per Redis.',
      },
    },
  ];
}

/** '8s' -> 8, '1m' -> 60 (the mixin's durations are whole seconds or minutes). */
function seconds(duration: string): number {
  const m = /^(\d+)(s|m)$/.exec(duration);
  if (!m) throw new Error(`unsupported duration ${duration}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}
