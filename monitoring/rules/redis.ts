import { redisMetrics as r } from '../../src/collectors/redis/metrics';
import type { MixinConfig } from '../config';
import { increase, sel } from '../promql';
import { RECORD } from './names';
import type { AlertRule, RecordingRule } from './types';

const pct = (v: number) => `${Math.round(v * 100)}%`;

export function redisRecordingRules(cfg: MixinConfig): RecordingRule[] {
  return [
    // No ratio without a limit: maxmemory 0 means unlimited, and dividing by it would read +Inf.
    {
      record: RECORD.redisMemory,
      expr: `${sel(cfg, r.memoryUsed)} / (${sel(cfg, r.memoryMax)} > 0)`,
    },
  ];
}

export function redisAlerts(cfg: MixinConfig): AlertRule[] {
  const memoryRunbook = {
    meaning:
      'Redis is close to its maxmemory. With the noeviction policy BullMQ needs, writes (adding jobs, finishing jobs) start failing with OOM errors; with another policy, job data gets evicted.',
    checks: [
      '"Redis" panel: memory vs max over the last days, and the completed/failed counts of each queue (the biggest consumers).',
      '`redis-cli --bigkeys` and `MEMORY USAGE bull:<queue>:completed` on the largest queues.',
      'Whether removeOnComplete / removeOnFail are set on the queues that keep growing.',
    ] as const,
    fix: 'Trim retained jobs (removeOnComplete/removeOnFail with a count or age, or Queue.clean), delete orphaned queues, or raise maxmemory.',
  };
  return [
    {
      alert: 'RedisDown',
      expr: `${sel(cfg, r.up)} == 0`,
      for: cfg.for.down,
      severity: 'critical',
      component: 'redis',
      summary: 'Redis unreachable',
      description: `jobstack-exporter on {{ $labels.instance }} cannot reach Redis (for ${cfg.for.down}); queue alerts for it are silenced.`,
      runbook: {
        meaning:
          'The exporter cannot connect to Redis or Redis does not answer within the scrape deadline. Workers cannot take jobs and the API cannot add them.',
        checks: [
          '`redis-cli -h <host> -p <port> ping` from the exporter host (and from a worker host).',
          'The exporter landing page `/`: the last error (refused, timeout, WRONGPASS, NOAUTH).',
          'Redis logs and host: crashed, out of memory (OOM killer), stopped by a failover, frozen disk.',
        ],
        fix: 'Start or fail over Redis; fix credentials if authentication fails. Queued jobs survive a restart only with persistence (AOF/RDB) enabled.',
      },
    },
    {
      alert: 'RedisClusterStateNotOk',
      expr: `${sel(cfg, r.clusterState)} == 0`,
      for: cfg.for.clusterState,
      severity: 'critical',
      component: 'redis',
      summary: 'Redis Cluster state not ok',
      description: `Redis Cluster node {{ $labels.node }} (exporter {{ $labels.instance }}) reports cluster_state fail for ${cfg.for.clusterState}: some slots have no live master, and commands on them fail with CLUSTERDOWN.`,
      runbook: {
        meaning:
          'A Redis Cluster master is down and no replica took over (none left, or no majority of masters to elect one), or slots are unassigned. BullMQ queues whose hash tag falls in those slots can neither take nor add jobs.',
        checks: [
          '`redis_cluster_slots_fail`, `redis_cluster_slots_pfail` and `redis_cluster_node_up` per node: which master is gone.',
          '`redis-cli -c -h <node> cluster nodes`: masters flagged fail, their replicas, slots without a node.',
          '`redis-cli --cluster check <node>`: open slots (a resharding cut short), uncovered slots.',
        ],
        fix: 'Restart the failed master or promote a replica (`CLUSTER FAILOVER FORCE` on it, `TAKEOVER` without a majority); finish or undo an interrupted resharding with `redis-cli --cluster fix`.',
      },
    },
    {
      alert: 'RedisMemoryNearMax',
      expr: `${RECORD.redisMemory} > ${cfg.redis.memoryWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'redis',
      summary: 'Redis memory near maxmemory',
      description: `Redis on {{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory (above ${pct(cfg.redis.memoryWarning)}).`,
      runbook: memoryRunbook,
    },
    {
      alert: 'RedisMemoryNearMax',
      expr: `${RECORD.redisMemory} > ${cfg.redis.memoryCritical}`,
      for: '5m',
      severity: 'critical',
      component: 'redis',
      summary: 'Redis memory nearly exhausted',
      description: `Redis on {{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory (above ${pct(cfg.redis.memoryCritical)}); writes will fail soon.`,
      runbook: memoryRunbook,
    },
    {
      alert: 'RedisRejectedConnections',
      expr: `${increase(cfg, r.rejectedConnections)} > 0`,
      for: '0m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis refused connections',
      description: `Redis on {{ $labels.instance }} refused {{ $value | humanize }} connections in the last ${cfg.rateWindow} (maxclients reached).`,
      runbook: {
        meaning:
          'Redis reached maxclients and refused new connections: some workers, API processes or the exporter could not connect.',
        checks: [
          '`redis_connected_clients` on the "Redis" panel against `CONFIG GET maxclients`.',
          '`CLIENT LIST` grouped by name: BullMQ workers are named `bull:<base64 queue>`; look for leaks.',
          'Whether a deploy multiplied worker processes or connections per process.',
        ],
        fix: 'Reuse connections (one per process, shared by Queues), fix the leak, or raise maxclients (and the OS file limit).',
      },
    },
    {
      alert: 'RedisEvictingKeys',
      expr: `${increase(cfg, r.evictedKeys)} > 0`,
      for: '0m',
      severity: 'critical',
      component: 'redis',
      summary: 'Redis is evicting keys',
      description: `Redis on {{ $labels.instance }} evicted {{ $value | humanize }} keys in the last ${cfg.rateWindow}; BullMQ job data may be lost.`,
      runbook: {
        meaning:
          'Redis hit maxmemory with an eviction policy other than noeviction and deleted keys. BullMQ keys (jobs, locks, queue lists) can vanish: jobs get lost or stuck.',
        checks: [
          '`CONFIG GET maxmemory-policy`: BullMQ requires `noeviction` (the `maxmemory_policy` label of `redis_instance_info`).',
          'Memory vs max on the "Redis" panel.',
          'Queues with jobs stuck in active or missing from lists after the evictions.',
        ],
        fix: 'Set `maxmemory-policy noeviction`, free or add memory, and check affected queues (stalled jobs are retried by workers).',
      },
    },
    ...redisConfigAlerts(cfg),
  ];
}

/** Replication, persistence, configuration and restarts: what peers (awesome-prometheus-alerts) ship. */
function redisConfigAlerts(cfg: MixinConfig): AlertRule[] {
  return [
    {
      alert: 'RedisReplicationBroken',
      expr: `${sel(cfg, r.masterLinkUp)} == 0`,
      for: '1m',
      severity: 'critical',
      component: 'redis',
      summary: 'Redis replica lost its master',
      description:
        'The Redis replica watched by {{ $labels.instance }} has no link to its master: it serves stale data and cannot take over.',
      runbook: {
        meaning:
          'A replica is disconnected from its master (master_link_status down). Reads from it are stale, and a failover to it would lose everything written since.',
        checks: [
          '`redis-cli -h <replica> info replication`: master_host, master_link_down_since_seconds.',
          'The master: is it up, reachable from the replica, and is its `client-output-buffer-limit replica` hit (logs)?',
          'Network between the two (firewall, DNS after a failover).',
        ],
        fix: 'Restore connectivity or fix the master; raise client-output-buffer-limit replica if full syncs keep failing; re-point the replica with REPLICAOF after a failover.',
      },
    },
    {
      alert: 'RedisRdbSaveFailed',
      expr: `${sel(cfg, r.rdbLastBgsaveOk)} == 0`,
      for: '0m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis background save failed',
      description:
        'The last RDB save of the Redis watched by {{ $labels.instance }} failed; with `stop-writes-on-bgsave-error yes` Redis refuses writes.',
      runbook: {
        meaning:
          'Redis could not write its RDB snapshot. Queued jobs would be lost on restart, and by default Redis now refuses every write (MISCONF errors): jobs can neither be added nor finished.',
        checks: [
          'Redis log: "Background saving error" and the reason (disk full, permissions, fork failed: out of memory).',
          'Free space and permissions of the Redis `dir`.',
          '`vm.overcommit_memory` (fork needs it set to 1 on busy servers).',
        ],
        fix: 'Free disk space or fix permissions, set vm.overcommit_memory=1, then `BGSAVE` and check `rdb_last_bgsave_status:ok`.',
      },
    },
    {
      alert: 'RedisEvictionPolicyUnsafe',
      expr: `max by (instance, maxmemory_policy) (${sel(cfg, r.instanceInfo, 'maxmemory_policy!="noeviction",maxmemory_policy!=""')})`,
      for: '5m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis evicts keys under memory pressure (BullMQ requires noeviction)',
      description:
        'Redis watched by {{ $labels.instance }} runs with maxmemory-policy {{ $labels.maxmemory_policy }}; at maxmemory it will delete BullMQ keys.',
      runbook: {
        meaning:
          'BullMQ documents `maxmemory-policy noeviction` as required: with any other policy, Redis deletes keys when memory is full, and a deleted job hash, lock or queue list silently loses or corrupts jobs. With noeviction Redis refuses writes instead, which is loud and recoverable.',
        checks: [
          '`redis-cli config get maxmemory-policy`.',
          'Whether this Redis is shared with a cache that wants eviction (then give BullMQ its own Redis).',
          'Managed Redis: the parameter group (ElastiCache, Memorystore default to volatile-lru).',
        ],
        fix: "`CONFIG SET maxmemory-policy noeviction` and persist it in redis.conf or the provider's parameter group; split caches onto another Redis.",
      },
    },
    {
      alert: 'RedisNoMaxmemory',
      expr: `${sel(cfg, r.memoryMax)} == 0`,
      for: '15m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis has no maxmemory',
      description:
        'Redis watched by {{ $labels.instance }} has no maxmemory: it grows until the kernel kills it, and RedisMemoryNearMax can never fire.',
      runbook: {
        meaning:
          'Without maxmemory, Redis never refuses writes: it grows until the host runs out of memory and the OOM killer ends it, losing what was not persisted. Memory alerts cannot fire either.',
        checks: [
          '`redis-cli config get maxmemory`.',
          'Host memory and what else runs there.',
          'How much the queues keep (completed/failed jobs not removed).',
        ],
        fix: 'Set maxmemory to what the host can give (leave room for fork copy-on-write during saves), with maxmemory-policy noeviction.',
      },
    },
    {
      alert: 'RedisRestarted',
      expr: `${sel(cfg, r.uptime)} < ${cfg.restartedWithinSeconds}`,
      for: '0m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis restarted',
      description: 'Redis watched by {{ $labels.instance }} started {{ $value | humanizeDuration }} ago.',
      runbook: {
        meaning:
          'Redis restarted in the last five minutes. Without persistence (AOF or RDB) every queued job is gone; with it, jobs written after the last save are.',
        checks: [
          'Redis log and `dmesg` for an OOM kill or a crash.',
          'Queue backlogs before and after the restart on the dashboard.',
          'Whether the restart was planned (deploy, failover).',
        ],
        fix: 'If jobs were lost, re-enqueue them from their source of truth; enable AOF (`appendonly yes`) for queues that must survive restarts.',
      },
    },
    {
      alert: 'RedisClientsNearMax',
      expr: `${sel(cfg, r.connectedClients)} / (${sel(cfg, r.maxClients)} > 0) > ${cfg.redis.clientsWarning}`,
      for: '5m',
      severity: 'warning',
      component: 'redis',
      summary: 'Redis connections near maxclients',
      description: `Redis watched by {{ $labels.instance }} has {{ $value | humanizePercentage }} of maxclients connected (above ${pct(cfg.redis.clientsWarning)}).`,
      runbook: {
        meaning:
          'Connections are close to maxclients; above it Redis refuses new ones (workers and API processes fail to connect). ' +
          'Redis 7 and later only: before 7, INFO has no maxclients, so `redis_config_maxclients` is absent and this alert cannot fire; ' +
          'RedisRejectedConnections still fires once connections are refused. The exporter does not fall back to CONFIG GET: ' +
          'the least-privilege ACL refuses it (a refusal in ACL LOG every scrape), managed services often disable it, and granting it exposes `requirepass`.',
        checks: [
          '`redis-cli client list | wc -l` and `config get maxclients`.',
          'Connections by name: BullMQ workers are `bull:<base64 queue>`; a leak grows with every deploy or job.',
          'The open-file limit of the Redis process (maxclients is capped by it).',
        ],
        fix: 'Share connections (one per process), fix the leak, or raise maxclients together with the file limit.',
      },
    },
  ];
}
