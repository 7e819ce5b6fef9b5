import { EXP, EXP_LABELS, type RuleCase } from './types';
import { RECORD } from '../../../monitoring/rules/names';

const redis = { ...EXP_LABELS, component: 'redis' };
const pg = { ...EXP_LABELS, component: 'postgres' };
const queue = (q: string) => ({ ...EXP_LABELS, queue: q, severity: 'warning', component: 'queue' });

/** The alerts peers ship (issue 12): Redis and PostgreSQL health, queue states, the exporter's scrape time. */
export const moreCases: RuleCase[] = [
  {
    name: 'Redis replication, persistence, policy, maxmemory, restart, clients',
    series: [
      { series: `redis_master_link_up{${EXP}}`, values: '1x8 0x40' },
      { series: `redis_rdb_last_bgsave_status{${EXP}}`, values: '1x8 0x40' },
      {
        series: `redis_instance_info{${EXP},redis_version="7.0.15",role="master",mode="standalone",maxmemory_policy="allkeys-lru"}`,
        values: '1x40',
      },
      {
        series: `redis_instance_info{job="jobstack",instance="safe:9478",redis_version="7.0.15",role="master",mode="standalone",maxmemory_policy="noeviction"}`,
        values: '1x40',
      },
      { series: `redis_memory_max_bytes{${EXP}}`, values: '0x80' },
      { series: `redis_memory_max_bytes{job="jobstack",instance="safe:9478"}`, values: '1000x80' },
      { series: `redis_uptime_in_seconds{${EXP}}`, values: '10000+15x20 5+15x40' },
      { series: `redis_connected_clients{${EXP}}`, values: '8500x40' },
      { series: `redis_config_maxclients{${EXP}}`, values: '10000x40' },
      { series: `redis_connected_clients{job="jobstack",instance="safe:9478"}`, values: '100x40' },
      { series: `redis_config_maxclients{job="jobstack",instance="safe:9478"}`, values: '10000x40' },
    ],
    alerts: [
      { at: '2m30s', alert: 'RedisReplicationBroken', firing: [] },
      {
        at: '4m',
        alert: 'RedisReplicationBroken',
        firing: [
          {
            labels: { ...redis, severity: 'critical' },
            description:
              'The Redis replica watched by exp:9478 has no link to its master: it serves stale data and cannot take over.',
          },
        ],
      },
      { at: '1m', alert: 'RedisRdbSaveFailed', firing: [] },
      {
        at: '3m',
        alert: 'RedisRdbSaveFailed',
        firing: [
          {
            labels: { ...redis, severity: 'warning' },
            description:
              'The last RDB save of the Redis watched by exp:9478 failed; with `stop-writes-on-bgsave-error yes` Redis refuses writes.',
          },
        ],
      },
      { at: '4m', alert: 'RedisEvictionPolicyUnsafe', firing: [] },
      {
        at: '6m',
        alert: 'RedisEvictionPolicyUnsafe',
        firing: [
          {
            labels: { instance: 'exp:9478', maxmemory_policy: 'allkeys-lru', severity: 'warning', component: 'redis' },
            description:
              'Redis watched by exp:9478 runs with maxmemory-policy allkeys-lru; at maxmemory it will delete BullMQ keys.',
          },
        ],
      },
      { at: '10m', alert: 'RedisNoMaxmemory', firing: [] },
      {
        at: '16m',
        alert: 'RedisNoMaxmemory',
        firing: [
          {
            labels: { ...redis, severity: 'warning' },
            description:
              'Redis watched by exp:9478 has no maxmemory: it grows until the kernel kills it, and RedisMemoryNearMax can never fire.',
          },
        ],
      },
      { at: '5m', alert: 'RedisRestarted', firing: [] },
      {
        at: '6m',
        alert: 'RedisRestarted',
        firing: [
          { labels: { ...redis, severity: 'warning' }, description: 'Redis watched by exp:9478 started 50s ago.' },
        ],
      },
      { at: '4m', alert: 'RedisClientsNearMax', firing: [] },
      {
        at: '6m',
        alert: 'RedisClientsNearMax',
        firing: [
          {
            labels: { ...redis, severity: 'warning' },
            description: 'Redis watched by exp:9478 has 85% of maxclients connected (above 80%).',
          },
        ],
      },
    ],
  },
  {
    name: 'PostgreSQL replication lag, idle in transaction, restart, custom query; connections net of superuser_reserved',
    series: [
      { series: `pg_replication_lag_seconds{${EXP}}`, values: '5x8 60x40' },
      { series: `pg_stat_activity_oldest_idle_in_transaction_age_seconds{${EXP}}`, values: '0x8 400x40' },
      { series: `pg_postmaster_start_time_seconds{${EXP}}`, values: '-1000x20 300x40' },
      { series: `pg_custom_query_success{${EXP},query="orders"}`, values: '1x4 0x40' },
      { series: `pg_custom_query_success{${EXP},query="users"}`, values: '1x44' },
      { series: `pg_stat_database_numbackends{job="jobstack",instance="res:9478",datname="app"}`, values: '50x10' },
      { series: `pg_settings_max_connections{job="jobstack",instance="res:9478"}`, values: '103x10' },
      { series: `pg_settings_superuser_reserved_connections{job="jobstack",instance="res:9478"}`, values: '3x10' },
    ],
    exprs: [
      {
        at: '1m',
        expr: `${RECORD.pgConnections}{instance="res:9478"}`,
        expect: [{ labels: `${RECORD.pgConnections}{instance="res:9478"}`, value: 0.5 }],
      },
    ],
    alerts: [
      { at: '6m', alert: 'PostgresReplicationLag', firing: [] },
      {
        at: '8m',
        alert: 'PostgresReplicationLag',
        firing: [
          {
            labels: { ...pg, severity: 'warning' },
            description: 'The standby watched by exp:9478 is 1m 0s behind its primary (above 30s).',
          },
        ],
      },
      { at: '3m', alert: 'PostgresIdleInTransaction', firing: [] },
      {
        at: '5m',
        alert: 'PostgresIdleInTransaction',
        firing: [
          {
            labels: { ...pg, severity: 'warning' },
            description: 'A session on exp:9478 has been idle in transaction for 6m 40s (above 300s).',
          },
        ],
      },
      { at: '5m', alert: 'PostgresRestarted', firing: [] },
      {
        at: '6m',
        alert: 'PostgresRestarted',
        firing: [
          { labels: { ...pg, severity: 'warning' }, description: 'PostgreSQL watched by exp:9478 started 1m 0s ago.' },
        ],
      },
      { at: '5m', alert: 'PostgresCustomQueryFailing', firing: [] },
      {
        at: '7m',
        alert: 'PostgresCustomQueryFailing',
        firing: [
          {
            labels: { ...pg, query: 'orders', severity: 'warning' },
            description:
              'Custom query orders on exp:9478 has failed every scrape for 5m; its business metrics are missing.',
          },
        ],
      },
    ],
  },
  {
    name: 'PostgreSQL rollbacks and transaction ID wraparound',
    series: [
      { series: `pg_stat_database_xact_commit_total{${EXP},datname="app"}`, values: '0+10x80' },
      { series: `pg_stat_database_xact_rollback_total{${EXP},datname="app"}`, values: '0+5x80' },
      { series: `pg_stat_database_xact_commit_total{${EXP},datname="quiet"}`, values: '0+10x80' },
      { series: `pg_stat_database_xact_rollback_total{${EXP},datname="quiet"}`, values: '0x80' },
      {
        series: `pg_database_frozenxid_age{${EXP},datname="app"}`,
        values: '500000000x10 1100000000x40 1600000000x100',
      },
      { series: `pg_database_frozenxid_age{${EXP},datname="quiet"}`, values: '200000000x150' },
    ],
    alerts: [
      { at: '8m', alert: 'PostgresRollbackRatioHigh', firing: [] },
      {
        at: '12m',
        alert: 'PostgresRollbackRatioHigh',
        firing: [
          {
            labels: { instance: 'exp:9478', datname: 'app', severity: 'warning', component: 'postgres' },
            description: '33.33% of transactions in database app on exp:9478 roll back (above 20%).',
          },
        ],
      },
      { at: '10m', alert: 'PostgresTxidWraparound', firing: [] },
      {
        at: '20m',
        alert: 'PostgresTxidWraparound',
        firing: [
          {
            labels: { ...pg, datname: 'app', severity: 'warning' },
            description: 'Database app on exp:9478 has age(datfrozenxid) 1.6G; writes stop near 2.1 billion.',
          },
        ],
      },
      {
        at: '30m',
        alert: 'PostgresTxidWraparound',
        firing: [
          {
            labels: { ...pg, datname: 'app', severity: 'warning' },
            description: 'Database app on exp:9478 has age(datfrozenxid) 1.6G; writes stop near 2.1 billion.',
          },
          {
            labels: { ...pg, datname: 'app', severity: 'critical' },
            description: 'Database app on exp:9478 has age(datfrozenxid) 1.6G; writes stop near 2.1 billion.',
          },
        ],
      },
    ],
  },
  {
    name: 'queue paused with a backlog, workers halved, delayed jobs overdue, queues left out, a queue unreadable, workers not visible',
    series: [
      { series: `bullmq_queue_paused{${EXP},queue="images"}`, values: '1x80' },
      { series: `bullmq_jobs{${EXP},queue="images",state="waiting"}`, values: '5x80' },
      { series: `bullmq_queue_paused{${EXP},queue="emails"}`, values: '1x80' },
      { series: `bullmq_jobs{${EXP},queue="emails",state="waiting"}`, values: '0x80' },
      { series: `bullmq_queue_workers{${EXP},queue="images"}`, values: '4x20 1x60' },
      { series: `bullmq_queue_workers{${EXP},queue="emails"}`, values: '4x20 3x60' },
      { series: `bullmq_queue_next_delayed_job_timestamp_seconds{${EXP},queue="images"}`, values: '0x80' },
      { series: `bullmq_queue_next_delayed_job_timestamp_seconds{${EXP},queue="emails"}`, values: '100000x80' },
      { series: `bullmq_queues_left_out{${EXP}}`, values: '0x10 3x80' },
      { series: `bullmq_workers_visible{${EXP}}`, values: '1x10 0x80' },
      { series: `bullmq_queue_read_error{${EXP},queue="images"}`, values: '0x10 1x80' },
      { series: `bullmq_queue_read_error{${EXP},queue="emails"}`, values: '0x80' },
    ],
    alerts: [
      { at: '10m', alert: 'QueuePausedWithBacklog', firing: [] },
      {
        at: '17m',
        alert: 'QueuePausedWithBacklog',
        firing: [
          {
            labels: queue('images'),
            description: 'Queue images on exp:9478 has been paused for 15 minutes while jobs wait.',
          },
        ],
      },
      { at: '5m', alert: 'QueueWorkersDropped', firing: [] },
      {
        at: '11m',
        alert: 'QueueWorkersDropped',
        firing: [
          {
            labels: queue('images'),
            description: 'Queue images on exp:9478 has 1 workers, at most 50% of its peak of the last 30 minutes.',
          },
        ],
      },
      { at: '9m', alert: 'QueueDelayedJobsOverdue', firing: [] },
      {
        at: '11m',
        alert: 'QueueDelayedJobsOverdue',
        firing: [
          {
            labels: queue('images'),
            description: 'The next delayed job of queue images on exp:9478 was due 11m 0s ago and is still delayed.',
          },
        ],
      },
      { at: '10m', alert: 'QueuesLeftOut', firing: [] },
      {
        at: '20m',
        alert: 'QueuesLeftOut',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'queue' },
            description:
              '3 queues under the prefix on exp:9478 exceed collectors.bullmq.maxQueues and are not read: no alert can fire for them.',
          },
        ],
      },
      { at: '5m', alert: 'QueueUnreadable', firing: [] },
      {
        at: '20m',
        alert: 'QueueUnreadable',
        firing: [
          {
            labels: queue('images'),
            description:
              'The exporter on exp:9478 cannot read the keys of queue images (a key of the wrong type): its counts are absent and no other queue alert can fire for it.',
          },
        ],
      },
      { at: '10m', alert: 'QueueWorkersNotVisible', firing: [] },
      {
        at: '20m',
        alert: 'QueueWorkersNotVisible',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'queue' },
            description:
              'The exporter on exp:9478 may not run CLIENT LIST: worker counts are missing and QueueNoWorkers can never fire.',
          },
        ],
      },
    ],
  },
  {
    name: 'a hung job: far past its queue p99; a slow scrape',
    series: [
      { series: `bullmq_job_processing_duration_seconds_bucket{${EXP},queue="images",le="1"}`, values: '0+10x80' },
      { series: `bullmq_job_processing_duration_seconds_bucket{${EXP},queue="images",le="+Inf"}`, values: '0+10x80' },
      { series: `bullmq_queue_oldest_active_job_age_seconds{${EXP},queue="images"}`, values: '0x10 2000x70' },
      { series: `bullmq_job_processing_duration_seconds_bucket{${EXP},queue="reports",le="1000"}`, values: '0+10x80' },
      { series: `bullmq_job_processing_duration_seconds_bucket{${EXP},queue="reports",le="+Inf"}`, values: '0+10x80' },
      { series: `bullmq_queue_oldest_active_job_age_seconds{${EXP},queue="reports"}`, values: '2000x80' },
      { series: `scrape_duration_seconds{${EXP}}`, values: '7x80' },
      { series: `scrape_duration_seconds{job="jobstack",instance="fast:9478"}`, values: '0.2x80' },
    ],
    alerts: [
      { at: '5m', alert: 'QueueJobHung', firing: [] },
      {
        at: '9m',
        alert: 'QueueJobHung',
        firing: [
          {
            labels: queue('images'),
            description:
              "The oldest active job of queue images on exp:9478 has run 33m 20s, over 10x the queue's p99 (all queues' p99 where the exporter keeps one histogram for all).",
          },
        ],
      },
      { at: '5m', alert: 'JobstackScrapeSlow', firing: [] },
      {
        at: '12m',
        alert: 'JobstackScrapeSlow',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'exporter' },
            description: 'Scraping exp:9478 takes 7s, over 80% of the 8s timeout: collectors are about to time out.',
          },
        ],
      },
    ],
  },
];
