import { readFile, readdir, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collector, CollectContext } from '../types';
import type { MetricBatch } from '../../metrics/batch';
import type { HostConfig } from './config';
import { hostMetrics as m } from './metrics';
import {
  CPU_MODES,
  parseDiskstats,
  parseFileNr,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
  type NetDev,
} from './procfs';
import { readNetClass } from './sysfs';
import { collectWithSysteminformation } from './fallback';

/** Test seams; installs set collectors.host.procPath / sysPath / rootPath instead. */
export interface HostOptions {
  readonly procPath?: string;
  /** Use systeminformation instead of /proc (automatic off Linux). */
  readonly useSysteminformation?: boolean;
}

export class HostCollector implements Collector {
  readonly name = 'host';
  private readonly proc: string;
  /** The host's /sys (node_exporter's --path.sysfs): its network interfaces. */
  private readonly sys: string;
  /** The host's / as this process sees it: / natively, /host/root in a container (node_exporter's --path.rootfs). */
  private readonly root: string;
  private readonly fsTypesExclude: RegExp;
  private readonly mountPointsExclude: RegExp;
  private readonly useSi: boolean;

  constructor(config: HostConfig, options: HostOptions = {}) {
    this.proc = options.procPath ?? config.procPath;
    this.sys = config.sysPath;
    this.root = config.rootPath;
    this.fsTypesExclude = new RegExp(config.fsTypesExclude);
    this.mountPointsExclude = new RegExp(config.mountPointsExclude);
    this.useSi = options.useSysteminformation ?? process.platform !== 'linux';
  }

  async collect({ out, signal }: CollectContext): Promise<void> {
    out.set(m.unameInfo, 1, {
      sysname: os.type(),
      release: os.release(),
      machine: os.machine(),
      nodename: os.hostname(),
    });
    if (this.useSi) return collectWithSysteminformation(out, this.fsTypesExclude, this.mountPointsExclude);
    const read = (file: string) => readFile(`${this.proc}/${file}`, { encoding: 'utf8', signal });
    await Promise.all([
      read('stat').then((text) => this.setStat(out, text)),
      read('loadavg').then((text) => {
        const [l1, l5, l15] = parseLoadavg(text);
        out.set(m.load1, l1);
        out.set(m.load5, l5);
        out.set(m.load15, l15);
      }),
      read('meminfo').then((text) => this.setMemory(out, text)),
      read('diskstats').then((text) => {
        for (const d of parseDiskstats(text)) {
          const labels = { device: d.device };
          out.set(m.diskReads, d.reads, labels);
          out.set(m.diskReadBytes, d.readBytes, labels);
          out.set(m.diskWrites, d.writes, labels);
          out.set(m.diskWrittenBytes, d.writtenBytes, labels);
        }
      }),
      this.setNetwork(out, signal, read),
      // With the host's / mounted elsewhere, the host's mounts are those of its init process.
      read(this.root === '/' ? 'self/mounts' : '1/mounts').then((text) => this.setFilesystems(out, text)),
      // Absent in some sandboxes (gVisor): no file handle figures, the rest stands.
      read('sys/fs/file-nr').then(
        (text) => {
          const fd = parseFileNr(text);
          out.set(m.filefdAllocated, fd.allocated);
          out.set(m.filefdMaximum, fd.maximum);
        },
        () => undefined,
      ),
      readdir(this.proc).then((names) => out.set(m.processes, names.filter((n) => /^\d+$/.test(n)).length)),
    ]);
  }

  private setStat(out: MetricBatch, text: string): void {
    const stat = parseProcStat(text);
    for (const [cpu, times] of stat.cpus)
      for (const mode of CPU_MODES) out.set(m.cpuSeconds, times[mode], { cpu, mode });
    if (stat.bootTime !== undefined) out.set(m.bootTime, stat.bootTime);
    if (stat.procsRunning !== undefined) out.set(m.procsRunning, stat.procsRunning);
    if (stat.procsBlocked !== undefined) out.set(m.procsBlocked, stat.procsBlocked);
  }

  /**
   * Interfaces from sysfs (the host's, with its /sys mounted into a container), each marked physical
   * or virtual; from /proc/net/dev, unmarked, where sysfs lists none (no sysfs in some sandboxes).
   */
  private async setNetwork(out: MetricBatch, signal: AbortSignal, read: (file: string) => Promise<string>) {
    const fromSysfs = await readNetClass(this.sys, signal);
    const interfaces: (NetDev & { physical?: boolean })[] = fromSysfs ?? parseNetDev(await read('net/dev'));
    for (const n of interfaces) {
      const labels = { device: n.device };
      out.set(m.netReceiveBytes, n.receiveBytes, labels);
      out.set(m.netTransmitBytes, n.transmitBytes, labels);
      out.set(m.netReceiveErrors, n.receiveErrors, labels);
      out.set(m.netTransmitErrors, n.transmitErrors, labels);
      if (n.physical !== undefined) out.set(m.netPhysical, n.physical ? 1 : 0, labels);
    }
  }

  private setMemory(out: MetricBatch, text: string): void {
    const mem = parseMeminfo(text);
    const total = mem.get('MemTotal') ?? NaN;
    const available = mem.get('MemAvailable') ?? NaN;
    out.set(m.memoryTotal, total);
    out.set(m.memoryAvailable, available);
    out.set(m.memoryUsed, total - available);
    out.set(m.swapTotal, mem.get('SwapTotal') ?? 0);
    out.set(m.swapFree, mem.get('SwapFree') ?? 0);
  }

  /** statfs per mount; one unreadable mount (stale NFS, permissions) drops only its own series. */
  private async setFilesystems(out: MetricBatch, text: string): Promise<void> {
    const mounts = parseMounts(text, this.fsTypesExclude, this.mountPointsExclude);
    await Promise.all(
      mounts.map(async (mount) => {
        const st = await statfs(path.join(this.root, mount.mountpoint)).catch(() => undefined);
        if (!st) return;
        const labels = { device: mount.device, mountpoint: mount.mountpoint, fstype: mount.fstype };
        out.set(m.fsSize, st.blocks * st.bsize, labels);
        out.set(m.fsFree, st.bfree * st.bsize, labels);
        out.set(m.fsAvail, st.bavail * st.bsize, labels);
        out.set(m.fsFiles, st.files, labels);
        out.set(m.fsFilesFree, st.ffree, labels);
        out.set(m.fsReadonly, mount.readonly ? 1 : 0, labels);
      }),
    );
  }
}
