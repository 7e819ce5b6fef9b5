import { redisMetrics as r } from '../../src/collectors/redis/metrics';
import type { MixinConfig } from '../config';
import { increase, sel } from '../promql';
import type { AlertRule, RecordingRule } from './types';

const pct = (v: number) => `${Math.round(v * 100)}%`;

export function redisRecordingRules(cfg: MixinConfig): RecordingRule[] {
  return [
    // No ratio without a limit: maxmemory 0 means unlimited, and dividing by it would read +Inf.
    { record: 'instance:redis_memory_utilisation:ratio', expr: `${sel(cfg, r.memoryUsed)} / (${sel(cfg, r.memoryMax)} > 0)` },
  ];
}

export function redisAlerts(cfg: MixinConfig): AlertRule[] {
  const memoryRunbook = {
    meaning: 'Redis is close to its maxmemory. With the noeviction policy BullMQ needs, writes (adding jobs, finishing jobs) start failing with OOM errors; with another policy, job data gets evicted.',
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
        meaning: 'The exporter cannot connect to Redis or Redis does not answer within the scrape deadline. Workers cannot take jobs and the API cannot add them.',
        checks: [
          '`redis-cli -h <host> -p <port> ping` from the exporter host (and from a worker host).',
          'The exporter landing page `/`: the last error (refused, timeout, WRONGPASS, NOAUTH).',
          'Redis logs and host: crashed, out of memory (OOM killer), stopped by a failover, frozen disk.',
        ],
        fix: 'Start or fail over Redis; fix credentials if authentication fails. Queued jobs survive a restart only with persistence (AOF/RDB) enabled.',
      },
    },
    {
      alert: 'RedisMemoryNearMax',
      expr: `instance:redis_memory_utilisation:ratio > ${cfg.redis.memoryWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'redis',
      summary: 'Redis memory near maxmemory',
      description: `Redis on {{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory (above ${pct(cfg.redis.memoryWarning)}).`,
      runbook: memoryRunbook,
    },
    {
      alert: 'RedisMemoryNearMax',
      expr: `instance:redis_memory_utilisation:ratio > ${cfg.redis.memoryCritical}`,
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
        meaning: 'Redis reached maxclients and refused new connections: some workers, API processes or the exporter could not connect.',
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
        meaning: 'Redis hit maxmemory with an eviction policy other than noeviction and deleted keys. BullMQ keys (jobs, locks, queue lists) can vanish: jobs get lost or stuck.',
        checks: [
          '`CONFIG GET maxmemory-policy`: BullMQ requires `noeviction` (the `maxmemory_policy` label of `redis_instance_info`).',
          'Memory vs max on the "Redis" panel.',
          'Queues with jobs stuck in active or missing from lists after the evictions.',
        ],
        fix: 'Set `maxmemory-policy noeviction`, free or add memory, and check affected queues (stalled jobs are retried by workers).',
      },
    },
  ];
}
