import { finiteNumber } from '../../metrics/finite-number';
import type { MetricBatch } from '../../metrics/batch';
import type { MetricDef } from '../../metrics/define';
import { redisMetrics as m } from './metrics';

/** INFO as field -> raw value (sections flattened; Redis field names are unique across sections). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export interface KeyspaceEntry {
  readonly db: string;
  readonly keys: number;
  readonly expires: number;
}

/** `db0:keys=12,expires=3,avg_ttl=0` lines of the Keyspace section. */
export function parseKeyspace(fields: ReadonlyMap<string, string>): KeyspaceEntry[] {
  const out: KeyspaceEntry[] = [];
  for (const [field, value] of fields) {
    const db = /^db(\d+)$/.exec(field);
    if (!db) continue;
    const parts = new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
    out.push({
      db: db[1],
      keys: finiteNumber(parts.get('keys')) ?? NaN,
      expires: finiteNumber(parts.get('expires')) ?? NaN,
    });
  }
  return out;
}

type Gauge = MetricDef<never, 'gauge' | 'counter'>;

/** INFO field -> metric, as redis_exporter maps them; a field missing from INFO is skipped. */
export const INFO_METRICS: readonly (readonly [field: string, def: Gauge, convert?: (raw: string) => number])[] = [
  ['uptime_in_seconds', m.uptime],
  ['connected_clients', m.connectedClients],
  ['maxclients', m.maxClients],
  ['blocked_clients', m.blockedClients],
  ['used_memory', m.memoryUsed],
  ['used_memory_peak', m.memoryPeak],
  ['used_memory_rss', m.memoryRss],
  ['maxmemory', m.memoryMax],
  ['mem_fragmentation_ratio', m.fragmentation],
  ['connected_slaves', m.connectedReplicas],
  // Only replicas report master_link_status.
  ['master_link_status', m.masterLinkUp, (raw) => (raw === 'up' ? 1 : 0)],
  ['rdb_last_save_time', m.rdbLastSave],
  ['rdb_last_bgsave_status', m.rdbLastBgsaveOk, (raw) => (raw === 'ok' ? 1 : 0)],
  ['total_connections_received', m.connectionsReceived],
  ['rejected_connections', m.rejectedConnections],
  ['total_commands_processed', m.commandsProcessed],
  ['keyspace_hits', m.keyspaceHits],
  ['keyspace_misses', m.keyspaceMisses],
  ['evicted_keys', m.evictedKeys],
  ['expired_keys', m.expiredKeys],
  ['total_net_input_bytes', m.netInput],
  ['total_net_output_bytes', m.netOutput],
  ['used_cpu_sys', m.cpuSys],
  ['used_cpu_user', m.cpuUser],
];

type AnyGauge = MetricDef<string, 'gauge' | 'counter' | 'info'>;

const withNode = new Map<string, AnyGauge>();

/**
 * A metric's definition with a `node` label added, for one master of a Redis Cluster: the metric
 * is declared once in metrics.ts, and its cluster twin is derived from it here (same name, help
 * and type), so one server keeps its unlabelled series.
 */
export function byNode(def: AnyGauge): AnyGauge {
  let twin = withNode.get(def.name);
  if (!twin) withNode.set(def.name, (twin = Object.freeze({ ...def, labels: Object.freeze([...def.labels, 'node']) })));
  return twin;
}

/**
 * Writes every mapped INFO field, the keyspace and the instance info into `out`; with `node`
 * (a Redis Cluster master's host:port) every sample carries it as a label.
 */
export function setInfoMetrics(out: MetricBatch, fields: ReadonlyMap<string, string>, node?: string): void {
  const put = (def: AnyGauge, value: number, labels: Record<string, string> = {}) => {
    if (node === undefined) out.set(def, value, labels);
    else out.set(byNode(def), value, { ...labels, node });
  };
  for (const [field, def, convert] of INFO_METRICS) {
    const raw = fields.get(field);
    if (raw === undefined) continue;
    const value = convert ? convert(raw) : finiteNumber(raw);
    if (value !== undefined && !Number.isNaN(value)) put(def, value);
  }
  for (const { db, keys, expires } of parseKeyspace(fields)) {
    put(m.dbKeys, keys, { db });
    put(m.dbKeysExpiring, expires, { db });
  }
  put(m.instanceInfo, 1, {
    redis_version: fields.get('redis_version') ?? '',
    role: fields.get('role') ?? '',
    mode: fields.get('redis_mode') ?? '',
    maxmemory_policy: fields.get('maxmemory_policy') ?? '',
  });
}

/** CLUSTER INFO field -> metric (redis_exporter's names); `cluster_state` is ok or fail. */
export const CLUSTER_INFO_METRICS: readonly (readonly [
  field: string,
  def: MetricDef<'node', 'gauge'>,
  convert?: (raw: string) => number,
])[] = [
  ['cluster_state', m.clusterState, (raw) => (raw === 'ok' ? 1 : 0)],
  ['cluster_slots_assigned', m.clusterSlotsAssigned],
  ['cluster_slots_ok', m.clusterSlotsOk],
  ['cluster_slots_pfail', m.clusterSlotsPfail],
  ['cluster_slots_fail', m.clusterSlotsFail],
  ['cluster_known_nodes', m.clusterKnownNodes],
  ['cluster_size', m.clusterSize],
];

/** Writes a master's CLUSTER INFO (parsed like INFO: `field:value` lines). */
export function setClusterInfoMetrics(out: MetricBatch, fields: ReadonlyMap<string, string>, node: string): void {
  for (const [field, def, convert] of CLUSTER_INFO_METRICS) {
    const raw = fields.get(field);
    if (raw === undefined) continue;
    const value = convert ? convert(raw) : finiteNumber(raw);
    if (value !== undefined && !Number.isNaN(value)) out.set(def, value, { node });
  }
}
