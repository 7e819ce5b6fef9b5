import { z } from 'zod';
import { collectorSection, regex } from '../../config/fields';

/** `collectors.host`. */
export const hostConfigSchema = collectorSection('5s', {
  /** Filesystem types skipped (pseudo and overlay filesystems), as node_exporter does. */
  fsTypesExclude: regex.default(
    '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|fuse\\.lxcfs|nfsd|ramfs)$',
  ),
  mountPointsExclude: regex.default(
    '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)',
  ),
  /** Where the host's /proc is (/host/proc in a container with it mounted read-only). */
  procPath: z.string().min(1).default('/proc'),
  /**
   * Where the host's /sys is (/host/sys in a container with it mounted read-only): network interfaces are read
   * there, so a container sees the host's (its own /proc/net/dev shows only its own network namespace).
   */
  sysPath: z.string().min(1).default('/sys'),
  /** Where the host's / is (/host/root in a container): filesystems are measured there and labelled with host paths. */
  rootPath: z.string().min(1).default('/'),
});

export type HostConfig = z.output<typeof hostConfigSchema>;
