import { hostMetrics as h } from '../../src/collectors/host/metrics';
import type { MixinConfig } from '../config';
import { rate, sel } from '../promql';
import { RECORD } from './names';
import type { AlertRule, RecordingRule } from './types';

const pct = (v: number) => `${Math.round(v * 100)}%`;

const notReadonly = (cfg: MixinConfig) =>
  `unless on (instance, device, mountpoint, fstype) ${sel(cfg, h.fsReadonly)} == 1`;

export function hostRecordingRules(cfg: MixinConfig): RecordingRule[] {
  return [
    // Busy = not idle and not waiting on I/O, averaged over CPUs.
    {
      record: RECORD.hostCpu,
      expr: `1 - avg by (instance) (${rate(cfg, h.cpuSeconds, cfg.rateWindow, 'mode=~"idle|iowait"')})`,
    },
    {
      record: RECORD.hostMemory,
      expr: `1 - ${sel(cfg, h.memoryAvailable)} / ${sel(cfg, h.memoryTotal)}`,
    },
    // Read-only filesystems (a mounted image, a recovery snapshot) cannot fill: left out of disk alerts.
    {
      record: RECORD.hostFsAvail,
      expr: `${sel(cfg, h.fsAvail)} / (${sel(cfg, h.fsSize)} > 0) ${notReadonly(cfg)}`,
    },
    {
      record: RECORD.hostFsFilesFree,
      expr: `${sel(cfg, h.fsFilesFree)} / (${sel(cfg, h.fsFiles)} > 0) ${notReadonly(cfg)}`,
    },
  ];
}

export function hostAlerts(cfg: MixinConfig): AlertRule[] {
  const diskRunbook = {
    meaning:
      'A filesystem on the exporter host is running out of space. Writes (uploads, logs, Redis/PostgreSQL files) will start failing when it is full.',
    checks: [
      'Which mountpoint: the alert labels, and `df -h` on the host.',
      'What grew: `du -xh --max-depth=2 <mountpoint> | sort -h | tail` (logs, uploads, database WAL, Redis dumps).',
      'Whether the growth is steady (panel "Host") or a sudden jump from one job.',
    ] as const,
    fix: 'Delete or rotate what is not needed (old logs, orphaned uploads), move data to object storage, or grow the volume. Make sure the cause is fixed, not just the symptom.',
  };
  const avail = RECORD.hostFsAvail;
  const inodesRunbook = {
    meaning:
      'A filesystem is running out of inodes: file creation fails with "No space left on device" although `df -h` shows free space. Millions of small files (job artefacts, sessions, cache) are the usual cause.',
    checks: [
      '`df -i <mountpoint>` on the host.',
      'Which folder holds the most files: `du --inodes -x <mountpoint> | sort -n | tail`.',
      'Whether a job writes one file per item and never cleans up.',
    ] as const,
    fix: 'Delete or archive the small files (and fix what writes them), or recreate the filesystem with more inodes.',
  };
  return [
    {
      alert: 'HostDiskAlmostFull',
      expr: `${avail} < ${cfg.storage.freeWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'host',
      summary: 'Filesystem almost full',
      description: `{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} space left (below ${pct(cfg.storage.freeWarning)}).`,
      runbook: diskRunbook,
    },
    {
      alert: 'HostDiskAlmostFull',
      expr: `${avail} < ${cfg.storage.freeCritical}`,
      for: cfg.for.resource,
      severity: 'critical',
      component: 'host',
      summary: 'Filesystem almost full',
      description: `{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} space left (below ${pct(cfg.storage.freeCritical)}).`,
      runbook: diskRunbook,
    },
    {
      alert: 'HostDiskWillFillSoon',
      expr: `predict_linear(${sel(cfg, h.fsAvail)}[${cfg.storage.fillLookback}], ${cfg.storage.fillHorizonHours} * 3600) < 0 and ${avail} < ${cfg.storage.fillOnlyBelow}`,
      for: '30m',
      severity: 'warning',
      component: 'host',
      summary: `Filesystem predicted to fill within ${cfg.storage.fillHorizonHours} hours`,
      description: `At the rate of the last ${cfg.storage.fillLookback}, {{ $labels.mountpoint }} on {{ $labels.instance }} fills within ${cfg.storage.fillHorizonHours} hours.`,
      runbook: {
        meaning: `Free space on a filesystem has been falling steadily; a linear prediction over the last ${cfg.storage.fillLookback} reaches zero within ${cfg.storage.fillHorizonHours} hours.`,
        checks: [
          'The growth rate in the "Host" panel: steady or a step?',
          'What is writing: `du`, application logs, database WAL or Redis dumps.',
          'Whether a job is stuck in a loop producing files.',
        ],
        fix: 'Stop the runaway writer if there is one; otherwise free space or grow the volume before it fills.',
      },
    },
    {
      alert: 'HostInodesAlmostFull',
      expr: `${RECORD.hostFsFilesFree} < ${cfg.storage.freeWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'host',
      summary: 'Filesystem almost out of inodes',
      description: `{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} of its inodes left (below ${pct(cfg.storage.freeWarning)}).`,
      runbook: inodesRunbook,
    },
    {
      alert: 'HostInodesAlmostFull',
      expr: `${RECORD.hostFsFilesFree} < ${cfg.storage.freeCritical}`,
      for: cfg.for.resource,
      severity: 'critical',
      component: 'host',
      summary: 'Filesystem almost out of inodes',
      description: `{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} of its inodes left (below ${pct(cfg.storage.freeCritical)}).`,
      runbook: inodesRunbook,
    },
    {
      alert: 'HostNetworkErrors',
      // More than one error every 10 s, sustained: a bad cable, NIC or driver, not a one-off. Virtual
      // interfaces (veth, bridges, bonds) are left out: such a fault shows on the device beneath them.
      // Where sysfs was not read (host_network_physical absent) every interface counts.
      expr: `sum by (instance, device) (${rate(cfg, h.netReceiveErrors)} + ${rate(cfg, h.netTransmitErrors)}) > ${cfg.host.networkErrorsPerSecond} unless on (instance, device) ${sel(cfg, h.netPhysical)} == 0`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'host',
      summary: 'Network interface errors',
      description: `Interface {{ $labels.device }} on {{ $labels.instance }} has {{ $value | humanize }} receive and transmit errors per second.`,
      runbook: {
        meaning:
          'An interface keeps reporting receive or transmit errors: packets are lost or retransmitted, connections to Redis and PostgreSQL slow down or break. ' +
          'Only interfaces backed by a device count (`host_network_physical` 1, or unknown): virtual ones (veth, bridges, bonds, tunnels) are left out.',
        checks: [
          '`ip -s link show <device>`: which counters grow?',
          '`ethtool -S <device>`: CRC, carrier, fifo errors.',
          'Whether other hosts on the same switch or hypervisor see the same.',
        ],
        fix: 'Replace the cable or NIC, update the driver, or move the VM; mismatched MTU or duplex settings are also common causes.',
      },
    },
    {
      alert: 'HostFileDescriptorsNearLimit',
      expr: `${sel(cfg, h.filefdAllocated)} / (${sel(cfg, h.filefdMaximum)} > 0) > ${cfg.host.fileDescriptorsWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'host',
      summary: 'Host file handles near fs.file-max',
      description: `{{ $labels.instance }} has allocated {{ $value | humanizePercentage }} of the file handles the kernel allows.`,
      runbook: {
        meaning:
          'The host is close to its limit of open files; new sockets and files will fail with "Too many open files in system" (Redis connections, uploads, logs).',
        checks: [
          '`cat /proc/sys/fs/file-nr` and `sysctl fs.file-max`.',
          'Which process holds the most: `for p in /proc/[0-9]*; do echo $(ls $p/fd 2>/dev/null | wc -l) $p; done | sort -n | tail`.',
          'A connection or file handle leak in workers (count growing steadily).',
        ],
        fix: 'Fix the leak or restart the leaking process; raise fs.file-max if the load is legitimate.',
      },
    },
    {
      alert: 'HostCpuHigh',
      expr: `${RECORD.hostCpu} > ${cfg.host.cpuWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'host',
      summary: 'Host CPU busy',
      description: `CPU on {{ $labels.instance }} is {{ $value | humanizePercentage }} busy (above ${pct(cfg.host.cpuWarning)}).`,
      runbook: {
        meaning: 'The host has been nearly out of CPU for a while. Jobs slow down, queues back up, latency rises.',
        checks: [
          '`top` / `pidstat 5`: which process?',
          'Queue throughput and processing time panels: is it job load?',
          'Host load average vs CPU count.',
        ],
        fix: 'Lower worker concurrency or move workers to more hosts; fix a runaway process; add CPU.',
      },
    },
    {
      alert: 'HostMemoryHigh',
      expr: `${RECORD.hostMemory} > ${cfg.host.memoryWarning}`,
      for: cfg.for.resource,
      severity: 'warning',
      component: 'host',
      summary: 'Host memory nearly used up',
      description: `{{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory (above ${pct(cfg.host.memoryWarning)}).`,
      runbook: {
        meaning: 'Little memory is available; the kernel will soon swap or kill processes (OOM), workers included.',
        checks: [
          '`ps aux --sort=-rss | head`: who holds it?',
          'Worker memory over time: a leak grows steadily.',
          '`dmesg | grep -i oom` for kills already done.',
        ],
        fix: 'Restart or fix the leaking process, lower worker concurrency, or add memory.',
      },
    },
  ];
}
