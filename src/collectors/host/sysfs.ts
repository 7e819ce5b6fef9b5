/**
 * Network interfaces from sysfs (node_exporter's --path.sysfs): `<sysfs>/class/net/<iface>/`.
 * sysfs lists the interfaces of the network namespace it was mounted in, so the host's /sys
 * bind-mounted into a container shows the host's interfaces, where /proc/net/dev (of any procfs)
 * shows the reader's own namespace. It also tells a device-backed interface from a virtual one.
 */
import { access, readFile, readdir } from 'node:fs/promises';
import type { NetDev } from './procfs';
import { byText } from '../../compare';

export interface NetInterface extends NetDev {
  /**
   * Backed by a device (`<iface>/device` exists: a NIC, virtio and other paravirtual ones included),
   * not virtual (loopback, veth, bridge, bond, VLAN, tunnel), whose errors are no cable, NIC or driver fault.
   */
  readonly physical: boolean;
}

/** The counters of `<iface>/statistics/`, in NetDev's order. */
const STATISTICS = ['rx_bytes', 'rx_errors', 'tx_bytes', 'tx_errors'] as const;

/** A statistics file: one decimal number and a newline. */
export function parseCounter(text: string): number {
  const value = text.trim();
  return /^\d+$/.test(value) ? Number(value) : NaN;
}

/**
 * Interfaces read at most: a host running thousands of containers has a veth for each, and every
 * one costs five file operations a scrape. Names sort first (`eth0` before `veth…`), so the
 * device-backed ones are kept.
 */
export const MAX_INTERFACES = 512;
/** File operations in flight at once: libuv's thread pool has four threads, the rest only queue. */
const CONCURRENCY = 16;

/**
 * The interfaces of `<sys>/class/net` (at most MAX_INTERFACES, by name) with their counters, or
 * undefined when that folder cannot be listed (no sysfs there: the caller reads /proc/net/dev
 * instead). An interface that vanishes while it is read (a container's veth) is left out.
 */
export async function readNetClass(sys: string, signal?: AbortSignal): Promise<NetInterface[] | undefined> {
  const dir = `${sys}/class/net`;
  const listed = await readdir(dir).catch(() => undefined);
  if (!listed) return undefined;
  const names = listed.sort(byText).slice(0, MAX_INTERFACES);
  const readOne = async (device: string): Promise<NetInterface | undefined> => {
    const read = (name: string) => readFile(`${dir}/${device}/statistics/${name}`, { encoding: 'utf8', signal });
    const counters = await Promise.all(STATISTICS.map(read)).catch(() => undefined);
    if (!counters) return undefined;
    const [receiveBytes, receiveErrors, transmitBytes, transmitErrors] = counters.map(parseCounter);
    const physical = await access(`${dir}/${device}/device`).then(
      () => true,
      () => false,
    );
    return { device, receiveBytes, receiveErrors, transmitBytes, transmitErrors, physical };
  };
  const interfaces: NetInterface[] = [];
  for (let i = 0; i < names.length; i += CONCURRENCY) {
    signal?.throwIfAborted();
    for (const found of await Promise.all(names.slice(i, i + CONCURRENCY).map(readOne)))
      if (found) interfaces.push(found);
  }
  return interfaces;
}
