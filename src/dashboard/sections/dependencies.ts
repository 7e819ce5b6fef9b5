import { localStorageMetrics as ls } from '../../collectors/localstorage/metrics';
import { probeMetrics as pr } from '../../collectors/probes/metrics';
import { redisMetrics as r } from '../../collectors/redis/metrics';
import { s3Metrics as s3 } from '../../collectors/s3/metrics';
import type { MetricBatch } from '../../metrics/batch';
import type { History } from '../history';
import type { DashboardData } from '../types';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const iso = (seconds: number | undefined) => (seconds ? new Date(seconds * 1000).toISOString() : null);

/**
 * A Redis figure for the whole deployment: the one series of a server, or the sum over the masters
 * of a Redis Cluster (its INFO metrics carry a `node` label); undefined when absent.
 */
function redisTotal(all: MetricBatch, def: Parameters<MetricBatch['samples']>[0]): number | undefined {
  const samples = all.samples(def);
  return samples.length ? sum(samples.map((s) => s.value)) : undefined;
}

export function redisHistory(all: MetricBatch, out: Map<string, number>): void {
  const commands = redisTotal(all, r.commandsProcessed);
  const hits = redisTotal(all, r.keyspaceHits);
  const misses = redisTotal(all, r.keyspaceMisses);
  if (commands !== undefined) out.set('redis:commands', commands);
  if (hits !== undefined && misses !== undefined) {
    out.set('redis:hits', hits);
    out.set('redis:lookups', hits + misses);
  }
}

/** null when the redis collector is not enabled. */
export function redisSection(
  all: MetricBatch,
  history: History,
  windowSeconds: number,
  enabled: boolean,
): DashboardData['redis'] {
  if (!enabled) return null;
  const info = all.samples(r.instanceInfo)[0]?.labels;
  const hitRate = history.rate('redis:hits', windowSeconds);
  const lookupRate = history.rate('redis:lookups', windowSeconds);
  const max = redisTotal(all, r.memoryMax);
  return {
    up: all.get(r.up) === 1,
    version: info?.redis_version ?? null,
    role: info?.role ?? null,
    memory: {
      usedBytes: redisTotal(all, r.memoryUsed) ?? null,
      peakBytes: redisTotal(all, r.memoryPeak) ?? null,
      maxBytes: max ? max : null,
    },
    clients: redisTotal(all, r.connectedClients) ?? null,
    commandsPerSecond: history.rate('redis:commands', windowSeconds),
    hitRatio: hitRate !== null && lookupRate ? hitRate / lookupRate : null,
  };
}

export function storageSection(all: MetricBatch, enabled: { s3: boolean; local: boolean }): DashboardData['storage'] {
  const out: DashboardData['storage'][number][] = [];
  if (enabled.s3) {
    const lastRefresh = Math.max(0, ...all.samples(s3.listingLastSuccess).map((s) => s.value));
    const sizes = all.samples(s3.objectsSize);
    out.push({
      backend: 's3',
      up: all.get(s3.up) === 1,
      bytes: sizes.length ? sum(sizes.map((s) => s.value)) : null,
      objects: sizes.length ? sum(all.samples(s3.objects).map((s) => s.value)) : null,
      freeBytes: null,
      lastRefresh: iso(lastRefresh),
    });
  }
  if (enabled.local) {
    out.push({
      backend: 'local',
      up: all.get(ls.up) === 1,
      bytes: all.get(ls.filesSize) ?? null,
      objects: all.get(ls.files) ?? null,
      freeBytes: all.get(ls.fsAvail) ?? null,
      lastRefresh: iso(all.get(ls.walkLastSuccess)),
    });
  }
  return out;
}

export function probeSection(all: MetricBatch): DashboardData['probes'] {
  return all.samples(pr.success).map((s) => {
    const target = { target: s.labels.target };
    const duration = all.get(pr.duration, target);
    const status = all.get(pr.statusCode, target);
    return {
      name: s.labels.target,
      success: s.value === 1,
      statusCode: status ? status : null,
      durationMs: duration === undefined ? null : duration * 1000,
      certExpiresAt: iso(all.get(pr.certExpiry, target)),
    };
  });
}
