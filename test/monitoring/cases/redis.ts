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
