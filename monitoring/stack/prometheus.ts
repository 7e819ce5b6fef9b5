import type { MixinConfig } from '../config';

export interface PrometheusOptions {
  /** host:port of the exporter as Prometheus reaches it. */
  readonly exporterTarget: string;
  /** host:port of Alertmanager. */
  readonly alertmanagerTarget: string;
  /** Where the rule files are, as Prometheus sees them. */
  readonly ruleFiles: readonly string[];
  /** host:port of Prometheus itself, scraped so its own failures (notifications, rules, reloads) alert. */
  readonly prometheusTarget: string;
}

/**
 * prometheus/prometheus.yml: scrape the exporter, Prometheus and Alertmanager (the monitoring
 * watches itself, monitoring/rules/meta.ts), load the rules, send alerts to Alertmanager.
 */
export function prometheusConfig(cfg: MixinConfig, opts: PrometheusOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: cfg.scrapeInterval, scrape_timeout: cfg.scrapeTimeout, evaluation_interval: cfg.evaluationInterval },
    rule_files: [...opts.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanagerTarget] }] }] },
    scrape_configs: [
      { job_name: cfg.job, static_configs: [{ targets: [opts.exporterTarget] }] },
      { job_name: cfg.meta.prometheusJob, static_configs: [{ targets: [opts.prometheusTarget] }] },
      { job_name: cfg.meta.alertmanagerJob, static_configs: [{ targets: [opts.alertmanagerTarget] }] },
    ],
  };
}
