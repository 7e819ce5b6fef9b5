import { EXP, EXP_LABELS, type RuleCase } from './types';
import { RECORD } from '../../../monitoring/rules/names';

export const exporterHostCases: RuleCase[] = [
  {
    name: 'exporter down for 20 s fires, one failed scrape does not',
    series: [
      { series: `up{${EXP}}`, values: '1 1 0 0 0 0 0 0 0 0 0 0 0 0' },
      { series: `up{job="jobstack",instance="other:9478"}`, values: '1 0 1 1 1 1 0 1 1 1 1 1 1 1' },
    ],
    alerts: [
      { at: '15s', alert: 'JobstackExporterDown', firing: [] },
      { at: '45s', alert: 'JobstackExporterDown', firing: [] },
      {
        at: '3m',
        alert: 'JobstackExporterDown',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'critical', component: 'exporter' },
            description:
              'Prometheus has not scraped jobstack-exporter on exp:9478 for 20s; every other jobstack alert for it is silenced until it is back.',
          },
        ],
      },
    ],
  },
  {
    name: 'a collector failing for 5 minutes',
    series: [
      { series: `jobstack_exporter_collector_success{${EXP},collector="redis"}`, values: '0x30' },
      { series: `jobstack_exporter_collector_success{${EXP},collector="host"}`, values: '1x30' },
    ],
    alerts: [
      { at: '4m', alert: 'JobstackCollectorFailing', firing: [] },
      {
        at: '6m',
        alert: 'JobstackCollectorFailing',
        firing: [
          {
            labels: { ...EXP_LABELS, collector: 'redis', severity: 'warning', component: 'exporter' },
            description: 'Collector redis on exp:9478 has failed every scrape for 5m.',
          },
        ],
      },
    ],
  },
  {
    name: 'host CPU, memory and disk',
    series: [
      // 2 CPUs, 95% busy: idle grows 0.75 s per 15 s on each.
      { series: `host_cpu_seconds_total{${EXP},cpu="0",mode="idle"}`, values: '0+0.75x80' },
      { series: `host_cpu_seconds_total{${EXP},cpu="1",mode="idle"}`, values: '0+0.75x80' },
      { series: `host_cpu_seconds_total{${EXP},cpu="0",mode="user"}`, values: '0+14.25x80' },
      { series: `host_memory_total_bytes{${EXP}}`, values: '1000x80' },
      { series: `host_memory_available_bytes{${EXP}}`, values: '50x80' },
      {
        series: `host_filesystem_size_bytes{${EXP},device="/dev/vda",mountpoint="/",fstype="ext4"}`,
        values: '1000x80',
      },
      {
        series: `host_filesystem_avail_bytes{${EXP},device="/dev/vda",mountpoint="/",fstype="ext4"}`,
        values: '80x40 40x40',
      },
      {
        series: `host_filesystem_size_bytes{${EXP},device="/dev/vdb",mountpoint="/data",fstype="ext4"}`,
        values: '1000x80',
      },
      {
        series: `host_filesystem_avail_bytes{${EXP},device="/dev/vdb",mountpoint="/data",fstype="ext4"}`,
        values: '900x80',
      },
    ],
    exprs: [
      {
        at: '10m',
        expr: RECORD.hostCpu,
        expect: [{ labels: `${RECORD.hostCpu}{instance="exp:9478"}`, value: 0.95 }],
      },
      {
        at: '10m',
        expr: RECORD.hostMemory,
        expect: [{ labels: `${RECORD.hostMemory}{${EXP}}`, value: 0.95 }],
      },
      {
        at: '15m',
        expr: RECORD.hostFsAvail,
        expect: [
          {
            labels: `${RECORD.hostFsAvail}{${EXP},device="/dev/vda",mountpoint="/",fstype="ext4"}`,
            value: 0.04,
          },
          {
            labels: `${RECORD.hostFsAvail}{${EXP},device="/dev/vdb",mountpoint="/data",fstype="ext4"}`,
            value: 0.9,
          },
        ],
      },
    ],
    alerts: [
      { at: '5m', alert: 'HostCpuHigh', firing: [] },
      {
        at: '16m',
        alert: 'HostCpuHigh',
        firing: [
          {
            labels: { instance: 'exp:9478', severity: 'warning', component: 'host' },
            description: 'CPU on exp:9478 is 95% busy (above 90%).',
          },
        ],
      },
      {
        at: '16m',
        alert: 'HostMemoryHigh',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'host' },
            description: 'exp:9478 uses 95% of its memory (above 90%).',
          },
        ],
      },
      { at: '5m', alert: 'HostMemoryHigh', firing: [] },
      { at: '5m', alert: 'HostDiskAlmostFull', firing: [] },
      {
        at: '21m',
        alert: 'HostDiskAlmostFull',
        firing: [
          {
            labels: {
              ...EXP_LABELS,
              device: '/dev/vda',
              mountpoint: '/',
              fstype: 'ext4',
              severity: 'warning',
              component: 'host',
            },
            description: '/ on exp:9478 has 4% space left (below 10%).',
          },
          {
            labels: {
              ...EXP_LABELS,
              device: '/dev/vda',
              mountpoint: '/',
              fstype: 'ext4',
              severity: 'critical',
              component: 'host',
            },
            description: '/ on exp:9478 has 4% space left (below 5%).',
          },
        ],
      },
    ],
  },
  {
    name: 'disk predicted to fill',
    series: [
      // Loses 10 units a minute from 1000: empty in 100 minutes, well within 4 hours.
      {
        series: `host_filesystem_avail_bytes{${EXP},device="/dev/vdc",mountpoint="/srv",fstype="xfs"}`,
        values: '1000-2.5x400',
      },
      {
        series: `host_filesystem_size_bytes{${EXP},device="/dev/vdc",mountpoint="/srv",fstype="xfs"}`,
        values: '1000x400',
      },
      {
        series: `host_filesystem_avail_bytes{${EXP},device="/dev/vdd",mountpoint="/steady",fstype="xfs"}`,
        values: '300x400',
      },
      {
        series: `host_filesystem_size_bytes{${EXP},device="/dev/vdd",mountpoint="/steady",fstype="xfs"}`,
        values: '1000x400',
      },
    ],
    alerts: [
      { at: '20m', alert: 'HostDiskWillFillSoon', firing: [] },
      {
        at: '95m',
        alert: 'HostDiskWillFillSoon',
        firing: [
          {
            labels: {
              ...EXP_LABELS,
              device: '/dev/vdc',
              mountpoint: '/srv',
              fstype: 'xfs',
              severity: 'warning',
              component: 'host',
            },
            description: 'At the rate of the last 6h, /srv on exp:9478 fills within 4 hours.',
          },
        ],
      },
    ],
  },
  {
    name: 'inodes, network errors (virtual interfaces left out), file handles; a read-only filesystem is left out of disk alerts',
    series: [
      { series: `host_filesystem_files{${EXP},device="/dev/vda",mountpoint="/",fstype="ext4"}`, values: '1000x80' },
      {
        series: `host_filesystem_files_free{${EXP},device="/dev/vda",mountpoint="/",fstype="ext4"}`,
        values: '80x40 40x40',
      },
      { series: `host_filesystem_readonly{${EXP},device="/dev/vda",mountpoint="/",fstype="ext4"}`, values: '0x80' },
      // A full read-only image: no space, no inodes, and nothing to alert on.
      {
        series: `host_filesystem_size_bytes{${EXP},device="/dev/loop0",mountpoint="/snap/app",fstype="ext4"}`,
        values: '1000x80',
      },
      {
        series: `host_filesystem_avail_bytes{${EXP},device="/dev/loop0",mountpoint="/snap/app",fstype="ext4"}`,
        values: '0x80',
      },
      {
        series: `host_filesystem_files{${EXP},device="/dev/loop0",mountpoint="/snap/app",fstype="ext4"}`,
        values: '1000x80',
      },
      {
        series: `host_filesystem_files_free{${EXP},device="/dev/loop0",mountpoint="/snap/app",fstype="ext4"}`,
        values: '0x80',
      },
      {
        series: `host_filesystem_readonly{${EXP},device="/dev/loop0",mountpoint="/snap/app",fstype="ext4"}`,
        values: '1x80',
      },
      // eth0 (a NIC): 3 errors per 15 s (0.2/s); eth1: one error in a while.
      { series: `host_network_receive_errors_total{${EXP},device="eth0"}`, values: '0+2x80' },
      { series: `host_network_transmit_errors_total{${EXP},device="eth0"}`, values: '0+1x80' },
      { series: `host_network_physical{${EXP},device="eth0"}`, values: '1x80' },
      { series: `host_network_receive_errors_total{${EXP},device="eth1"}`, values: '0x40 1x40' },
      { series: `host_network_transmit_errors_total{${EXP},device="eth1"}`, values: '0x80' },
      // A container's veth as often: virtual, no cable or NIC to blame, left out.
      { series: `host_network_receive_errors_total{${EXP},device="veth1a2b3c"}`, values: '0+3x80' },
      { series: `host_network_transmit_errors_total{${EXP},device="veth1a2b3c"}`, values: '0x80' },
      { series: `host_network_physical{${EXP},device="veth1a2b3c"}`, values: '0x80' },
      // Not marked (sysfs not read: /proc/net/dev or off Linux): counted.
      {
        series: `host_network_receive_errors_total{job="jobstack",instance="nosys:9478",device="eth0"}`,
        values: '0+3x80',
      },
      {
        series: `host_network_transmit_errors_total{job="jobstack",instance="nosys:9478",device="eth0"}`,
        values: '0x80',
      },
      { series: `host_filefd_allocated{${EXP}}`, values: '500x20 950x60' },
      { series: `host_filefd_maximum{${EXP}}`, values: '1000x80' },
    ],
    exprs: [
      {
        at: '5m',
        expr: RECORD.hostFsFilesFree,
        expect: [
          {
            labels: `${RECORD.hostFsFilesFree}{${EXP},device="/dev/vda",mountpoint="/",fstype="ext4"}`,
            value: 0.08,
          },
        ],
      },
    ],
    alerts: [
      { at: '5m', alert: 'HostInodesAlmostFull', firing: [] },
      {
        at: '21m',
        alert: 'HostInodesAlmostFull',
        firing: [
          {
            labels: {
              ...EXP_LABELS,
              device: '/dev/vda',
              mountpoint: '/',
              fstype: 'ext4',
              severity: 'warning',
              component: 'host',
            },
            description: '/ on exp:9478 has 4% of its inodes left (below 10%).',
          },
          {
            labels: {
              ...EXP_LABELS,
              device: '/dev/vda',
              mountpoint: '/',
              fstype: 'ext4',
              severity: 'critical',
              component: 'host',
            },
            description: '/ on exp:9478 has 4% of its inodes left (below 5%).',
          },
        ],
      },
      { at: '20m', alert: 'HostDiskAlmostFull', firing: [] },
      { at: '5m', alert: 'HostNetworkErrors', firing: [] },
      {
        at: '16m',
        alert: 'HostNetworkErrors',
        firing: [
          {
            labels: { instance: 'exp:9478', device: 'eth0', severity: 'warning', component: 'host' },
            description: 'Interface eth0 on exp:9478 has 200m receive and transmit errors per second.',
          },
          {
            labels: { instance: 'nosys:9478', device: 'eth0', severity: 'warning', component: 'host' },
            description: 'Interface eth0 on nosys:9478 has 200m receive and transmit errors per second.',
          },
        ],
      },
      { at: '8m', alert: 'HostFileDescriptorsNearLimit', firing: [] },
      {
        at: '16m',
        alert: 'HostFileDescriptorsNearLimit',
        firing: [
          {
            labels: { ...EXP_LABELS, severity: 'warning', component: 'host' },
            description: 'exp:9478 has allocated 95% of the file handles the kernel allows.',
          },
        ],
      },
    ],
  },
];
