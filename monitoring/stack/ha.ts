import type { MixinConfig } from '../config';
import { DATASOURCE_UID } from './grafana';
import { REPLICA_LABEL, type HaReplica } from './prometheus';

/**
 * The compose profile `ha` (docs/ha.md): two Prometheus replicas with the same rules, told apart
 * only by the `replica` external label, each sending every alert to three Alertmanagers that
 * gossip (`--cluster.peer`) so that one of them notifies. Service names as in
 * docker-compose.monitoring.yml: the plain stack's `prometheus` and `alertmanager` are replica a
 * and the first Alertmanager.
 */
export const HA_PROMETHEUS = [
  { replica: 'a', service: 'prometheus' },
  { replica: 'b', service: 'prometheus-b' },
] as const;
export const HA_ALERTMANAGERS = ['alertmanager', 'alertmanager-2', 'alertmanager-3'] as const;

/** The prometheus-ha-<replica>.yml settings of one replica. */
export function haReplica(replica: string): HaReplica {
  return {
    replica,
    alertmanagerTargets: HA_ALERTMANAGERS.map((s) => `${s}:9093`),
    prometheusTargets: HA_PROMETHEUS.map((p) => `${p.service}:9090`),
  };
}

/**
 * Grafana under the `ha` profile: one datasource per replica (the dashboards' `datasource`
 * variable picks one). Each queries one Prometheus, whose own data never carries the replica
 * label (external labels are only added to what leaves it), so nothing is counted twice.
 */
export function haDatasourceProvisioning(scrapeInterval: string): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: HA_PROMETHEUS.map((p, i) => ({
      name: `Prometheus (replica ${p.replica})`,
      uid: i === 0 ? DATASOURCE_UID : `${DATASOURCE_UID}-${p.replica}`,
      type: 'prometheus',
      access: 'proxy',
      url: `http://${p.service}:9090`,
      isDefault: i === 0,
      editable: false,
      jsonData: { timeInterval: scrapeInterval, httpMethod: 'POST' },
    })),
  };
}

const HA_FILES = 'prometheus/prometheus-ha-a.yml and prometheus-ha-b.yml';

/**
 * prometheus/remote-write/<store>.yml.example: how each long-term store takes the two replicas'
 * samples once. Prometheus has no include: paste the `remote_write` section into both HA files
 * (in monitoring/stack/prometheus.ts, so the build keeps it). test/monitoring/ha.test.ts checks
 * each against `promtool check config`.
 */
export function remoteWriteExamples(cfg: MixinConfig): Record<'mimir' | 'thanos-receive' | 'victoriametrics', string> {
  return {
    mimir: `# Grafana Mimir: paste into both ${HA_FILES} (docs/ha.md).
# Mimir's HA tracker keeps one replica's samples per cluster and drops the ${REPLICA_LABEL} label, so
# queries through Mimir see each series once. It needs a cluster label as well, added here; in Mimir:
#   distributor: { ha_tracker: { enable_ha_tracker: true, kvstore: { store: consul } } }
#   limits: { accept_ha_samples: true, ha_cluster_label: cluster, ha_replica_label: ${REPLICA_LABEL} }
remote_write:
  - url: http://mimir:8080/api/v1/push
    headers:
      X-Scope-OrgID: jobstack # the tenant, when Mimir runs with multi-tenancy
    write_relabel_configs:
      - target_label: cluster
        replacement: jobstack
`,
    'thanos-receive': `# Thanos Receive: paste into both ${HA_FILES} (docs/ha.md).
# Receive stores both replicas' series (they differ only in ${REPLICA_LABEL}); Thanos Query removes the
# duplicates when started with --query.replica-label=${REPLICA_LABEL}. Point Grafana at Thanos Query.
remote_write:
  - url: http://thanos-receive:19291/api/v1/receive
`,
    victoriametrics: `# VictoriaMetrics: paste into both ${HA_FILES} (docs/ha.md).
# VictoriaMetrics removes duplicates of identical series: drop the ${REPLICA_LABEL} label on the way out
# and start it (single node, or vmstorage and vmselect) with -dedup.minScrapeInterval=${cfg.scrapeInterval},
# the scrape interval, so the two replicas' samples of a series collapse to one per interval.
remote_write:
  - url: http://victoriametrics:8428/api/v1/write
    write_relabel_configs:
      - action: labeldrop
        regex: ${REPLICA_LABEL}
`,
  };
}
