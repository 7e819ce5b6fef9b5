import os from 'node:os';
import type { MetricBatch } from '../../metrics/batch';
import { hostMetrics as m } from './metrics';

/**
 * Host metrics off Linux, through Node's os module and systeminformation. Slower than /proc
 * (`si.fsSize` runs `df`), so Linux never takes this path unless asked to, and systeminformation
 * is loaded only here (it costs ~10 MB of RSS).
 */
export async function collectWithSysteminformation(
  out: MetricBatch,
  fsTypesExclude: RegExp,
  mountPointsExclude: RegExp,
): Promise<void> {
  os.cpus().forEach((cpu, i) => {
    const t = cpu.times;
    const modes = { user: t.user, nice: t.nice, system: t.sys, idle: t.idle, irq: t.irq };
    for (const [mode, ms] of Object.entries(modes)) out.set(m.cpuSeconds, ms / 1000, { cpu: String(i), mode });
  });
  const [l1, l5, l15] = os.loadavg();
  out.set(m.load1, l1 ?? NaN);
  out.set(m.load5, l5 ?? NaN);
  out.set(m.load15, l15 ?? NaN);
  out.set(m.bootTime, Math.round(Date.now() / 1000 - os.uptime()));

  const si = await import('systeminformation');
  const [mem, filesystems, nets] = await Promise.all([si.mem(), si.fsSize(), si.networkStats('*')]);
  out.set(m.memoryTotal, mem.total);
  out.set(m.memoryAvailable, mem.available);
  out.set(m.memoryUsed, mem.total - mem.available);
  out.set(m.swapTotal, mem.swaptotal);
  out.set(m.swapFree, mem.swapfree);
  for (const f of filesystems) {
    if (fsTypesExclude.test(f.type) || mountPointsExclude.test(f.mount)) continue;
    const labels = { device: f.fs, mountpoint: f.mount, fstype: f.type };
    out.set(m.fsSize, f.size, labels);
    out.set(m.fsFree, f.size - f.used, labels);
    out.set(m.fsAvail, f.available, labels);
  }
  for (const n of nets) {
    const labels = { device: n.iface };
    out.set(m.netReceiveBytes, n.rx_bytes, labels);
    out.set(m.netTransmitBytes, n.tx_bytes, labels);
    out.set(m.netReceiveErrors, n.rx_errors, labels);
    out.set(m.netTransmitErrors, n.tx_errors, labels);
  }
}
