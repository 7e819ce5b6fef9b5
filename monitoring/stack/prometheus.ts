import type { MixinConfig } from '../config';

export interface PrometheusOptions {
  /** host:port of the exporter as Prometheus reaches it. */
  readonly exporterTarget: string;
  /** host:port of Alertmanager. */
  readonly alertmanagerTarget: string;
  /** Where the rule files are, as Prometheus sees them. */
  readonly ruleFiles: readonly string[];
  /** host:port of the instrumented API (its /metrics); more instances come from file_sd. */
  readonly apiTarget?: string;
}

/** prometheus/prometheus.yml: scrape the exporter, load the rules, send alerts to Alertmanager. */
export function prometheusConfig(cfg: MixinConfig, opts: PrometheusOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: cfg.scrapeInterval, scrape_timeout: cfg.scrapeTimeout, evaluation_interval: cfg.evaluationInterval },
    rule_files: [...opts.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanagerTarget] }] }] },
    scrape_configs: [
      { job_name: cfg.job, static_configs: [{ targets: [opts.exporterTarget] }] },
      // The API's own registry (jobstack-exporter/instrument): request histograms, WebSockets.
      ...(opts.apiTarget ? [{ job_name: cfg.api.job, metrics_path: '/metrics', static_configs: [{ targets: [opts.apiTarget] }], file_sd_configs: [{ files: [cfg.api.fileSdGlob], refresh_interval: '1m' }] }] : []),
      { job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] },
    ],
  };
}

/** prometheus/file_sd/api.yml.example: the API's instances for file_sd (copy to api-<name>.yml). */
export const API_FILE_SD_EXAMPLE = `# Instances of the instrumented API for Prometheus' \`api\` job (file_sd). Copy this file to
# api-<anything>.yml in this folder: Prometheus reads every api-*.yml and notices changes within a
# minute, no restart. Each target is host:port of an app serving the instrument registry on /metrics.
- targets:
    - api-1.internal:3000
    - api-2.internal:3000
  labels:
    env: production
`;
