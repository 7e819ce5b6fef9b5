import { defineMetric, defineMetrics } from '../../metrics/define';

const gauge = (name: string, help: string) => defineMetric({ name, help, type: 'gauge', labels: [] });
const counter = (name: string, help: string) => defineMetric({ name, help, type: 'counter', labels: [] });
/** A Redis Cluster figure of one master, labelled by its `host:port`. */
const clusterGauge = (name: string, help: string) => defineMetric({ name, help, type: 'gauge', labels: ['node'] });

/**
 * Redis server metrics, named as redis_exporter names them (users' dashboards and alerts
 * already know these), in base units. Rates are left to PromQL: counters stay counters.
 * On a Redis Cluster, every metric read from INFO (and the PING time) carries a `node` label,
 * the master's `host:port` (see `byNode` in info.ts); `redis_up` stays one series.
 */
export const redisMetrics = defineMetrics({
  up: gauge('redis_up', 'Whether Redis answered PING and INFO within the scrape deadline (1) or not (0).'),
  pingDuration: gauge(
    'redis_ping_duration_seconds',
    'Round trip of a PING on the open connection in the latest collection, in seconds.',
  ),
  connectDuration: gauge(
    'redis_connect_duration_seconds',
    "Time the exporter's current Redis connection took to open (TCP, TLS, AUTH, SELECT), in seconds.",
  ),
  instanceInfo: defineMetric({
    name: 'redis_instance_info',
    help: 'Redis server version, replication role, mode (standalone, sentinel, cluster) and eviction policy; always 1.',
    type: 'info',
    labels: ['redis_version', 'role', 'mode', 'maxmemory_policy'],
  }),
  uptime: gauge('redis_uptime_in_seconds', 'Seconds since the Redis server started.'),
  connectedClients: gauge('redis_connected_clients', 'Client connections open, replicas excluded.'),
  maxClients: gauge(
    'redis_config_maxclients',
    'The maxclients setting: connections above it are refused (from INFO, Redis 7 and later).',
  ),
  blockedClients: gauge(
    'redis_blocked_clients',
    'Clients waiting in a blocking call (BullMQ workers wait in BZPOPMIN).',
  ),
  memoryUsed: gauge('redis_memory_used_bytes', 'Memory Redis allocated for data and overhead, in bytes.'),
  memoryPeak: gauge(
    'redis_memory_used_peak_bytes',
    'Peak of redis_memory_used_bytes since the server started, in bytes.',
  ),
  memoryRss: gauge('redis_memory_used_rss_bytes', 'Resident memory of the Redis process as the OS sees it, in bytes.'),
  memoryMax: gauge('redis_memory_max_bytes', 'The maxmemory setting in bytes; 0 means no limit.'),
  fragmentation: gauge(
    'redis_mem_fragmentation_ratio',
    'Resident memory divided by allocated memory (above 1.5: fragmented; below 1: swapping).',
  ),
  connectedReplicas: gauge('redis_connected_slaves', 'Replicas connected to this server.'),
  masterLinkUp: gauge(
    'redis_master_link_up',
    'On a replica: whether the link to its master is up (1) or not (0). Absent on a master.',
  ),
  rdbLastSave: gauge(
    'redis_rdb_last_save_timestamp_seconds',
    'When the last successful RDB save finished, as a Unix timestamp in seconds.',
  ),
  rdbLastBgsaveOk: gauge(
    'redis_rdb_last_bgsave_status',
    'Whether the last background RDB save succeeded (1) or failed (0).',
  ),
  dbKeys: defineMetric({ name: 'redis_db_keys', help: 'Keys in each database.', type: 'gauge', labels: ['db'] }),
  dbKeysExpiring: defineMetric({
    name: 'redis_db_keys_expiring',
    help: 'Keys with a time to live in each database.',
    type: 'gauge',
    labels: ['db'],
  }),
  connectionsReceived: counter('redis_connections_received_total', 'Connections the server accepted.'),
  rejectedConnections: counter(
    'redis_rejected_connections_total',
    'Connections refused because maxclients was reached.',
  ),
  commandsProcessed: counter('redis_commands_processed_total', 'Commands the server processed.'),
  keyspaceHits: counter('redis_keyspace_hits_total', 'Key lookups that found the key.'),
  keyspaceMisses: counter('redis_keyspace_misses_total', 'Key lookups that did not find the key.'),
  evictedKeys: counter(
    'redis_evicted_keys_total',
    'Keys evicted because of the maxmemory limit (BullMQ needs maxmemory-policy noeviction).',
  ),
  expiredKeys: counter('redis_expired_keys_total', 'Keys removed because their time to live ran out.'),
  netInput: counter('redis_net_input_bytes_total', 'Bytes the server read from the network.'),
  netOutput: counter('redis_net_output_bytes_total', 'Bytes the server wrote to the network.'),
  cpuSys: counter('redis_cpu_sys_seconds_total', 'System CPU time the Redis server used, in seconds.'),
  cpuUser: counter('redis_cpu_user_seconds_total', 'User CPU time the Redis server used, in seconds.'),
  // Redis Cluster only (redis.cluster, or INFO cluster_enabled:1): each master's view, by node.
  clusterNodeUp: clusterGauge(
    'redis_cluster_node_up',
    'Redis Cluster: whether this master answered PING, INFO and CLUSTER INFO in the latest collection (1) or not (0).',
  ),
  clusterState: clusterGauge(
    'redis_cluster_state',
    'Redis Cluster: 1 when this node reports cluster_state:ok (every slot served), 0 when fail.',
  ),
  clusterSlotsAssigned: clusterGauge(
    'redis_cluster_slots_assigned',
    'Redis Cluster: slots assigned to a node (of 16384).',
  ),
  clusterSlotsOk: clusterGauge('redis_cluster_slots_ok', 'Redis Cluster: slots whose node is not in PFAIL or FAIL.'),
  clusterSlotsPfail: clusterGauge(
    'redis_cluster_slots_pfail',
    'Redis Cluster: slots whose node this node cannot reach (PFAIL, not yet agreed as failed).',
  ),
  clusterSlotsFail: clusterGauge(
    'redis_cluster_slots_fail',
    'Redis Cluster: slots whose node the cluster agreed has failed (FAIL) and no replica has replaced yet.',
  ),
  clusterKnownNodes: clusterGauge(
    'redis_cluster_known_nodes',
    'Redis Cluster: nodes this node knows, replicas included.',
  ),
  clusterSize: clusterGauge('redis_cluster_size', 'Redis Cluster: masters serving at least one slot.'),
});
