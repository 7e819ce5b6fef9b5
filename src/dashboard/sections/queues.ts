import { bullmqMetrics as b } from '../../collectors/bullmq/metrics';
import { backlogOf, type JobState } from '../../collectors/bullmq/queue-state';
import type { MetricBatch } from '../../metrics/batch';
import type { History } from '../history';
import type { HistogramWindow } from '../histogram-window';
import type { QueueSummary } from '../types';
import type { RecentFailuresSource } from '../../collectors/sources';
import type { Slicer } from '../../runner/slice';
import { byText } from '../../compare';

function perQueue(all: MetricBatch): Map<string, Partial<Record<JobState, number>>> {
  const out = new Map<string, Partial<Record<JobState, number>>>();
  for (const s of all.samples(b.jobs)) {
    const counts = out.get(s.labels.queue) ?? {};
    counts[s.labels.state as JobState] = s.value;
    out.set(s.labels.queue, counts);
  }
  // A queue that could not be read has no counts, but is listed (marked) rather than hidden.
  for (const s of all.samples(b.readError)) if (s.value === 1 && !out.has(s.labels.queue)) out.set(s.labels.queue, {});
  return out;
}

/** Completed or failed total: BullMQ's exact counter where kept, else the exporter's sampled one. */
function finishedTotal(all: MetricBatch, queue: string, status: 'completed' | 'failed'): number | undefined {
  return (
    all.get(status === 'completed' ? b.completedTotal : b.failedTotal, { queue }) ??
    all.get(b.finished, { queue, status })
  );
}

const key = (queue: string, what: string) => `q\u0000${queue}\u0000${what}`;

type QueueFigure = 'backlog' | 'completed' | 'failed';

/**
 * Each queue's history keys, made once instead of every collection: a new key string per queue
 * and figure had to be flattened and hashed again by every lookup (3,000 a collection at 1,000
 * queues, ~1.5% of the exporter's CPU). Holds the queues of the latest two collections.
 */
export class QueueHistoryKeys {
  private current = new Map<string, Readonly<Record<QueueFigure, string>>>();
  private previous = new Map<string, Readonly<Record<QueueFigure, string>>>();

  of(queue: string): Readonly<Record<QueueFigure, string>> {
    let keys = this.current.get(queue);
    if (!keys) {
      keys = this.previous.get(queue) ?? {
        backlog: key(queue, 'backlog'),
        completed: key(queue, 'completed'),
        failed: key(queue, 'failed'),
      };
      this.current.set(queue, keys);
    }
    return keys;
  }

  /** Starts a collection: queues not seen in it or the one before are forgotten. */
  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

/** Per-queue figures kept for the history; in time slices (thousands of queues). */
export async function queueHistory(
  all: MetricBatch,
  out: Map<string, number>,
  histograms: HistogramWindow,
  now: number,
  slicer: Slicer,
  keys: QueueHistoryKeys = new QueueHistoryKeys(),
): Promise<void> {
  keys.rotate();
  for (const [queue, counts] of perQueue(all)) {
    if (slicer.due(8)) await slicer.pause();
    const k = keys.of(queue);
    out.set(k.backlog, backlogOf(counts));
    const completed = finishedTotal(all, queue, 'completed');
    const failed = finishedTotal(all, queue, 'failed');
    if (completed !== undefined) out.set(k.completed, completed);
    if (failed !== undefined) out.set(k.failed, failed);
  }
  for (const def of [b.waitDuration, b.processingDuration]) {
    const family = all.families.get(def.name);
    if (!family) continue;
    for (const { labels, value } of family.histograms.values()) {
      if (labels.queue === undefined) continue; // histograms: total has no per-queue p95
      if (slicer.due(16)) await slicer.pause();
      histograms.record(now, `${def.name}\u0000${labels.queue}`, family.def.buckets ?? [], value);
    }
  }
}

/** The dashboard's queue table; in time slices (each queue reads ~20 figures and its history). */
export async function queueSection(
  all: MetricBatch,
  history: History,
  histograms: HistogramWindow,
  windowSeconds: number,
  slicer: Slicer,
  failures?: RecentFailuresSource,
): Promise<QueueSummary[]> {
  const out: QueueSummary[] = [];
  for (const [queue, counts] of perQueue(all)) {
    if (slicer.due(32)) await slicer.pause();
    const completedRate = history.rate(key(queue, 'completed'), windowSeconds);
    const failedRate = history.rate(key(queue, 'failed'), windowSeconds);
    const finished = (completedRate ?? 0) + (failedRate ?? 0);
    const labels = { queue };
    out.push({
      name: queue,
      counts,
      backlog: backlogOf(counts),
      workers: all.get(b.workers, labels) ?? null,
      paused: all.get(b.paused, labels) === 1,
      readError: all.get(b.readError, labels) === 1,
      oldestWaitingSeconds: all.get(b.oldestWaitingAge, labels) ?? null,
      oldestActiveSeconds: all.get(b.oldestActiveAge, labels) ?? null,
      completedPerMinute: completedRate === null ? null : completedRate * 60,
      failedPerMinute: failedRate === null ? null : failedRate * 60,
      failureRatio: failedRate !== null && finished > 0 ? failedRate / finished : null,
      waitP95Seconds: histograms.quantile(`${b.waitDuration.name}\u0000${queue}`, 0.95, windowSeconds),
      processingP95Seconds: histograms.quantile(`${b.processingDuration.name}\u0000${queue}`, 0.95, windowSeconds),
      recentFailures: (failures?.recentFailures(queue) ?? []).map((f) => ({
        id: f.id,
        name: f.name ?? '',
        reason: f.failedReason ?? '',
        attempts: f.attemptsMade ?? 0,
        finishedAt: f.finishedOn ? new Date(f.finishedOn).toISOString() : null,
      })),
      history: {
        backlog: history.points(key(queue, 'backlog')),
        throughputPerMinute: history.deltasPerMinute(key(queue, 'completed')),
      },
    });
  }
  return out.sort((a, c) => byText(a.name, c.name));
}
