import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { postgresMetrics as p } from '../../src/collectors/postgres/metrics';
import { redisMetrics as r } from '../../src/collectors/redis/metrics';
import { s3Metrics as s3 } from '../../src/collectors/s3/metrics';
import type { MixinConfig } from '../config';
import { onceAcrossReplicas } from '../promql';
import { HEIGHT, m, query, r as rate, timeseriesPanel, type FieldOverride } from './common';

/** Unit and axis side for one query of a mixed-unit panel. */
function byQuery(refId: string, unit: string, right = false): FieldOverride {
  const properties: dashboard.DynamicConfigValue[] = [{ id: 'unit', value: unit }];
  if (right) properties.push({ id: 'custom.axisPlacement', value: common.AxisPlacement.Right });
  return { matcher: { id: 'byFrameRefID', options: refId }, properties };
}

/** Panel 11: Redis memory against maxmemory, clients and commands per second. */
export function redisPanel(cfg: MixinConfig) {
  return timeseriesPanel(
    'Redis memory, clients, commands/s',
    'Memory used against maxmemory (a flat line at the limit means writes fail with noeviction), connected and blocked clients (BullMQ workers wait blocked), and commands processed per second.',
    'bytes',
    8,
    HEIGHT.chart,
  )
    .withTarget(query(`${m(cfg, r.memoryUsed)}`, 'used', 'A'))
    .withTarget(query(`${m(cfg, r.memoryMax)} > 0`, 'maxmemory', 'B'))
    .withTarget(query(`${m(cfg, r.connectedClients)}`, 'clients', 'C'))
    .withTarget(query(`sum by (instance) (${rate(cfg, r.commandsProcessed)})`, 'commands/s', 'D'))
    .overrides([byQuery('C', 'short', true), byQuery('D', 'ops', true)]);
}

/**
 * Panel 12: PostgreSQL connections by state, transactions per second, cache hit ratio; connections
 * and transactions once per database across exporter replicas reading it (README, "Two exporters on the same Redis").
 */
export function postgresPanel(cfg: MixinConfig) {
  const transactions = [p.xactCommit, p.xactRollback].map((def) => `sum(${onceAcrossReplicas(cfg, rate(cfg, def))})`);
  return timeseriesPanel(
    'PostgreSQL connections, transactions/s, cache hits',
    'Client connections by state against max_connections (many "idle in transaction" means leaked transactions), committed plus rolled-back transactions per second, and the share of block reads served from the buffer cache.',
    'short',
    8,
    HEIGHT.chart,
  )
    .withTarget(query(`sum by (state) (${onceAcrossReplicas(cfg, m(cfg, p.activityCount))})`, '{{state}}', 'A'))
    .withTarget(query(`max(${m(cfg, p.maxConnections)})`, 'max_connections', 'B'))
    .withTarget(query(transactions.join(' + '), 'transactions/s', 'C'))
    .withTarget(
      query(
        `sum(${rate(cfg, p.blksHit)}) / (sum(${rate(cfg, p.blksHit)}) + sum(${rate(cfg, p.blksRead)}) > 0)`,
        'cache hit ratio',
        'D',
      ),
    )
    .overrides([byQuery('C', 'ops', true), byQuery('D', 'percentunit', true)]);
}

/** Panel 13: S3 bytes and objects (cached by the background listing) and local free space. */
export function storagePanel(cfg: MixinConfig, localFree: string) {
  return timeseriesPanel(
    'Storage: S3 bytes and objects, local free space',
    'S3: bytes and objects per bucket and prefix, counted by a background listing (they move in steps at each listing). Local storage: space left on the filesystem of the storage path.',
    'bytes',
    8,
    HEIGHT.chart,
  )
    .withTarget(query(m(cfg, s3.objectsSize), 's3 {{bucket}}/{{prefix}} bytes', 'A'))
    .withTarget(query(m(cfg, s3.objects), 's3 {{bucket}}/{{prefix}} objects', 'B'))
    .withTarget(query(localFree, 'local free', 'C'))
    .overrides([byQuery('B', 'short', true)]);
}
