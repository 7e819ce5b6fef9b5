import { hostMetrics as h } from '../../collectors/host/metrics';
import type { MetricBatch } from '../../metrics/batch';
import type { History } from '../history';
import type { DashboardData } from '../types';
import { byText } from '../../compare';

/** History series the host section reads. */
export function hostHistory(all: MetricBatch, out: Map<string, number>): void {
  let busy = 0;
  let total = 0;
  for (const s of all.samples(h.cpuSeconds)) {
    total += s.value;
    if (s.labels.mode !== 'idle' && s.labels.mode !== 'iowait') busy += s.value;
  }
  if (total > 0) {
    out.set('host:cpu_busy', busy);
    out.set('host:cpu_total', total);
  }
}

export function hostSection(all: MetricBatch, history: History, windowSeconds: number): DashboardData['system'] {
  const busy = history.rate('host:cpu_busy', windowSeconds);
  const total = history.rate('host:cpu_total', windowSeconds);
  const totalBytes = all.get(h.memoryTotal) ?? null;
  const availableBytes = all.get(h.memoryAvailable) ?? null;
  const boot = all.get(h.bootTime);
  const mem = process.memoryUsage();
  return {
    cpuRatio: busy !== null && total ? busy / total : null,
    load1: all.get(h.load1) ?? null,
    memory: {
      totalBytes,
      availableBytes,
      usedRatio: totalBytes && availableBytes !== null ? 1 - availableBytes / totalBytes : null,
    },
    disks: all
      .samples(h.fsSize)
      .map((s) => {
        const labels = { device: s.labels.device, mountpoint: s.labels.mountpoint, fstype: s.labels.fstype };
        const availBytes = all.get(h.fsAvail, labels) ?? 0;
        return {
          mountpoint: s.labels.mountpoint,
          sizeBytes: s.value,
          availBytes,
          usedRatio: s.value > 0 ? 1 - availBytes / s.value : 0,
          readonly: all.get(h.fsReadonly, labels) === 1,
        };
      })
      .sort((a, b) => byText(a.mountpoint, b.mountpoint)),
    process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal },
    hostUptimeSeconds: boot ? Date.now() / 1000 - boot : null,
  };
}
