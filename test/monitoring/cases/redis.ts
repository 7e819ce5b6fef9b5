import { EXP, EXP_LABELS, type RuleCase } from './types';
import { RECORD } from '../../../monitoring/rules/names';

export const redisCases: RuleCase[] = [
  {
    name: 'Redis down and memory',
    series: [
      { series: `redis_up{${EXP}}`, values: '1 1 1 1 0x20' },
      { series: `redis_memory_used_bytes{${EXP}}`, values: '920x60' },
      { series: `redis_memory_max_bytes{${EXP}}`, values: '1000x60' },
      { series: `redis_memory_used_bytes{job="jobstack",instance="unlimited:9478"}`, values: '920x60' },
      { series: `redis_memory_max_bytes{job="jobstack",instance="unlimited:9478"}`, values: '0x60' },
    ],
    exprs: [
      {
        at: '5m',
        expr: RECORD.redisMemory,
        expect: [{ labels: `${RECORD.redisMemory}{${EXP}}`, value: 0.92 }],
      },
    ],
    alerts: [
      { at: '1m15s', alert: 'RedisDown', firing: [] },
      {
        at: '4m',
        alert: 'RedisDown',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'critical', component: 'redis' },
            description:
              'jobstack-exporter on exp:9478 cannot reach Redis (for 20s); queue alerts for it are silenced.',
          },
        ],
      },
      { at: '5m', alert: 'RedisMemoryNearMax', firing: [] },
      {
        at: '11m',
        alert: 'RedisMemoryNearMax',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'redis' },
            description: 'Redis on exp:9478 uses 92% of maxmemory (above 90%).',
          },
        ],
      },
    ],
  },
  {
    // A failover (state fail for 20 s) does not page; a cluster broken for longer than 1 minute does.
    name: 'Redis Cluster state',
    series: [
      { series: `redis_cluster_state{${EXP},node="10.0.0.1:7000"}`, values: '1 1 0 0 1 1 1 0x20' },
      { series: `redis_cluster_state{${EXP},node="10.0.0.2:7000"}`, values: '1x30' },
    ],
    alerts: [
      { at: '1m', alert: 'RedisClusterStateNotOk', firing: [] },
      { at: '2m', alert: 'RedisClusterStateNotOk', firing: [] },
      {
        at: '4m',
        alert: 'RedisClusterStateNotOk',
        firing: [
          {
            labels: { ...EXP_LABELS, node: '10.0.0.1:7000', severity: 'critical', component: 'redis' },
            description:
              'Redis Cluster node 10.0.0.1:7000 (exporter exp:9478) reports cluster_state fail for 1m: some slots have no live master, and commands on them fail with CLUSTERDOWN.',
          },
        ],
      },
    ],
  },
  {
    name: 'Redis memory critical',
    series: [
      { series: `redis_memory_used_bytes{${EXP}}`, values: '970x40' },
      { series: `redis_memory_max_bytes{${EXP}}`, values: '1000x40' },
    ],
    alerts: [
      {
        at: '6m',
        alert: 'RedisMemoryNearMax',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'critical', component: 'redis' },
            description: 'Redis on exp:9478 uses 97% of maxmemory (above 95%); writes will fail soon.',
          },
        ],
      },
    ],
  },
  {
    // Documented in RedisClientsNearMax's runbook: no maxclients in INFO, no near-max warning, only the refusals.
    name: 'Redis 6 (no maxclients in INFO): RedisClientsNearMax cannot fire, RedisRejectedConnections does',
    series: [
      { series: `redis_connected_clients{${EXP}}`, values: '9990x40' },
      { series: `redis_rejected_connections_total{${EXP}}`, values: '0x8 3x32' },
    ],
    alerts: [
      { at: '9m', alert: 'RedisClientsNearMax', firing: [] },
      {
        at: '3m',
        alert: 'RedisRejectedConnections',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'redis' },
            description: 'Redis on exp:9478 refused 3 connections in the last 5m (maxclients reached).',
          },
        ],
      },
    ],
  },
  {
    name: 'rejected connections and evictions',
    series: [
      {
        series: `redis_rejected_connections_total{${EXP}}`,
        values:
          '0 0 0 0 0 0 0 0 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4',
      },
      { series: `redis_evicted_keys_total{${EXP}}`, values: '0x10 10x30' },
    ],
    alerts: [
      { at: '1m', alert: 'RedisRejectedConnections', firing: [] },
      {
        at: '3m',
        alert: 'RedisRejectedConnections',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'redis' },
            description: 'Redis on exp:9478 refused 4 connections in the last 5m (maxclients reached).',
          },
        ],
      },
      { at: '13m', alert: 'RedisRejectedConnections', firing: [] },
      { at: '2m', alert: 'RedisEvictingKeys', firing: [] },
      {
        at: '4m',
        alert: 'RedisEvictingKeys',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'critical', component: 'redis' },
            description: 'Redis on exp:9478 evicted 10 keys in the last 5m; BullMQ job data may be lost.',
          },
        ],
      },
    ],
  },
];
