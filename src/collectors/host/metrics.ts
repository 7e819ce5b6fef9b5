import { defineMetric, defineMetrics } from '../../metrics/define';

const device = ['device'] as const;
const fs = ['device', 'mountpoint', 'fstype'] as const;

/** Host metrics, in base units, named after node_exporter's where those are lint-clean. */
export const hostMetrics = defineMetrics({
  cpuSeconds: defineMetric({
    name: 'host_cpu_seconds_total',
    help: 'Seconds each CPU spent in each mode.',
    type: 'counter',
    labels: ['cpu', 'mode'],
  }),
  load1: defineMetric({ name: 'host_load1', help: '1-minute load average.', type: 'gauge', labels: [] }),
  load5: defineMetric({ name: 'host_load5', help: '5-minute load average.', type: 'gauge', labels: [] }),
  load15: defineMetric({ name: 'host_load15', help: '15-minute load average.', type: 'gauge', labels: [] }),
  memoryTotal: defineMetric({
    name: 'host_memory_total_bytes',
    help: 'Physical memory, in bytes.',
    type: 'gauge',
    labels: [],
  }),
  memoryAvailable: defineMetric({
    name: 'host_memory_available_bytes',
    help: 'Memory available for new work without swapping (MemAvailable), in bytes.',
    type: 'gauge',
    labels: [],
  }),
  memoryUsed: defineMetric({
    name: 'host_memory_used_bytes',
    help: 'Memory in use: total minus available, in bytes.',
    type: 'gauge',
    labels: [],
  }),
  swapTotal: defineMetric({ name: 'host_swap_total_bytes', help: 'Swap space, in bytes.', type: 'gauge', labels: [] }),
  swapFree: defineMetric({
    name: 'host_swap_free_bytes',
    help: 'Unused swap space, in bytes.',
    type: 'gauge',
    labels: [],
  }),
  fsSize: defineMetric({
    name: 'host_filesystem_size_bytes',
    help: 'Filesystem size, in bytes.',
    type: 'gauge',
    labels: fs,
  }),
  fsFree: defineMetric({
    name: 'host_filesystem_free_bytes',
    help: 'Free space, including blocks reserved for root, in bytes.',
    type: 'gauge',
    labels: fs,
  }),
  fsAvail: defineMetric({
    name: 'host_filesystem_avail_bytes',
    help: 'Space available to unprivileged users, in bytes.',
    type: 'gauge',
    labels: fs,
  }),
  fsFiles: defineMetric({
    name: 'host_filesystem_files',
    help: 'Inodes of the filesystem (0 on filesystems without a fixed count, e.g. btrfs).',
    type: 'gauge',
    labels: fs,
  }),
  fsFilesFree: defineMetric({
    name: 'host_filesystem_files_free',
    help: 'Free inodes of the filesystem.',
    type: 'gauge',
    labels: fs,
  }),
  fsReadonly: defineMetric({
    name: 'host_filesystem_readonly',
    help: 'Whether the filesystem is mounted read-only (1) or not (0).',
    type: 'gauge',
    labels: fs,
  }),
  filefdAllocated: defineMetric({
    name: 'host_filefd_allocated',
    help: 'File handles allocated on the host (/proc/sys/fs/file-nr).',
    type: 'gauge',
    labels: [],
  }),
  filefdMaximum: defineMetric({
    name: 'host_filefd_maximum',
    help: 'Most file handles the host allows (fs.file-max).',
    type: 'gauge',
    labels: [],
  }),
  diskReadBytes: defineMetric({
    name: 'host_disk_read_bytes_total',
    help: 'Bytes read from the block device.',
    type: 'counter',
    labels: device,
  }),
  diskWrittenBytes: defineMetric({
    name: 'host_disk_written_bytes_total',
    help: 'Bytes written to the block device.',
    type: 'counter',
    labels: device,
  }),
  diskReads: defineMetric({
    name: 'host_disk_reads_completed_total',
    help: 'Reads completed on the block device.',
    type: 'counter',
    labels: device,
  }),
  diskWrites: defineMetric({
    name: 'host_disk_writes_completed_total',
    help: 'Writes completed on the block device.',
    type: 'counter',
    labels: device,
  }),
  netReceiveBytes: defineMetric({
    name: 'host_network_receive_bytes_total',
    help: 'Bytes received on the interface.',
    type: 'counter',
    labels: device,
  }),
  netTransmitBytes: defineMetric({
    name: 'host_network_transmit_bytes_total',
    help: 'Bytes sent on the interface.',
    type: 'counter',
    labels: device,
  }),
  netReceiveErrors: defineMetric({
    name: 'host_network_receive_errors_total',
    help: 'Receive errors on the interface.',
    type: 'counter',
    labels: device,
  }),
  netTransmitErrors: defineMetric({
    name: 'host_network_transmit_errors_total',
    help: 'Transmit errors on the interface.',
    type: 'counter',
    labels: device,
  }),
  netPhysical: defineMetric({
    name: 'host_network_physical',
    help: 'Whether the interface is backed by a device (1: a NIC, virtio included) or virtual (0: loopback, veth, bridge, bond, tunnel); from sysfs.',
    type: 'gauge',
    labels: device,
  }),
  bootTime: defineMetric({
    name: 'host_boot_time_seconds',
    help: 'When the host booted, as a Unix timestamp in seconds.',
    type: 'gauge',
    labels: [],
  }),
  processes: defineMetric({ name: 'host_processes', help: 'Processes on the host.', type: 'gauge', labels: [] }),
  procsRunning: defineMetric({
    name: 'host_procs_running',
    help: 'Processes in a runnable state.',
    type: 'gauge',
    labels: [],
  }),
  procsBlocked: defineMetric({
    name: 'host_procs_blocked',
    help: 'Processes blocked waiting for I/O.',
    type: 'gauge',
    labels: [],
  }),
  unameInfo: defineMetric({
    name: 'host_uname_info',
    help: 'Operating system of the host; always 1.',
    type: 'info',
    labels: ['sysname', 'release', 'machine', 'nodename'],
  }),
});
