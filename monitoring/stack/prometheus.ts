import type { MixinConfig } from '../config';

export interface PrometheusOptions {
  /** host:port of the exporter as Prometheus reaches it. */
  readonly exporterTarget: string;
  /** host:port of Alertmanager. */
  readonly alertmanagerTarget: string;
  /** Where the rule files are, as Prometheus sees them. */
  readonly ruleFiles: readonly string[];
  /**
   * A DNS name of the instrumented API's instances (their /metrics), besides file_sd
   * (cfg.api.fileSdGlob), which is how real installs list them. Only prometheus-demo.yml sets it
   * (the compose demo's service `api`): where the name does not resolve, Prometheus logs a DNS
   * error at every refresh.
   */
  readonly api?: { readonly dnsName: string; readonly port: number };
  /** host:port of Prometheus itself, scraped so its own failures (notifications, rules, reloads) alert. */
  readonly prometheusTarget: string;
  /** One replica of an HA pair (the compose profile `ha`, docs/ha.md); absent: a single Prometheus. */
  readonly ha?: HaReplica;
}

/**
 * The external label that tells the Prometheus replicas apart. Remote storage deduplicates on it
 * (Thanos Query `--query.replica-label`, Mimir's HA tracker `ha_replica_label`); it is dropped
 * from alerts, so both replicas send Alertmanager the same alert and it notifies once.
 */
export const REPLICA_LABEL = 'replica';

export interface HaReplica {
  /** This replica's value of REPLICA_LABEL. */
  readonly replica: string;
  /** Every Alertmanager of the gossip cluster: each replica sends every alert to all of them. */
  readonly alertmanagerTargets: readonly string[];
  /** Every Prometheus replica: each scrapes the others too, so a dead replica is noticed by a live one. */
  readonly prometheusTargets: readonly string[];
}

/**
 * prometheus/prometheus.yml: scrape the exporter, Prometheus and Alertmanager (the monitoring
 * watches itself, monitoring/rules/meta.ts), load the rules, send alerts to Alertmanager.
 */
export function prometheusConfig(cfg: MixinConfig, opts: PrometheusOptions): Record<string, unknown> {
  const alertmanagers = opts.ha ? [...opts.ha.alertmanagerTargets] : [opts.alertmanagerTarget];
  return {
    global: {
      scrape_interval: cfg.scrapeInterval,
      scrape_timeout: cfg.scrapeTimeout,
      evaluation_interval: cfg.evaluationInterval,
      ...(opts.ha ? { external_labels: { [REPLICA_LABEL]: opts.ha.replica } } : {}),
    },
    rule_files: [...opts.ruleFiles],
    alerting: {
      // Without the replica label the two replicas' alerts are identical: Alertmanager keeps one.
      ...(opts.ha ? { alert_relabel_configs: [{ action: 'labeldrop', regex: REPLICA_LABEL }] } : {}),
      alertmanagers: [{ static_configs: [{ targets: [...alertmanagers] }] }],
    },
    scrape_configs: [
      { job_name: cfg.job, static_configs: [{ targets: [opts.exporterTarget] }] },
      // The API's own registry (jobstack-exporter/instrument): request histograms, WebSockets.
      {
        job_name: cfg.api.job,
        metrics_path: '/metrics',
        file_sd_configs: [{ files: [cfg.api.fileSdGlob], refresh_interval: '1m' }],
        ...(opts.api
          ? { dns_sd_configs: [{ names: [opts.api.dnsName], type: 'A', port: opts.api.port, refresh_interval: '30s' }] }
          : {}),
      },
      {
        job_name: cfg.meta.prometheusJob,
        static_configs: [{ targets: opts.ha ? [...opts.ha.prometheusTargets] : [opts.prometheusTarget] }],
      },
      { job_name: cfg.meta.alertmanagerJob, static_configs: [{ targets: [...alertmanagers] }] },
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
