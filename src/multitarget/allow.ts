import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * The allow-list of /probe targets. A pattern is `host[:port]`:
 * - a DNS name, lower case, where `*` matches within one label (`*.redis.internal` matches
 *   `a.redis.internal`, never `a.evil.com` nor `a.b.redis.internal`);
 * - an IP address (`10.0.0.5`, `[fd00::5]`);
 * - a CIDR block (`10.0.0.0/8`, `[fd00::/8]`), matching targets written as IP addresses only:
 *   names are never resolved to decide, so DNS cannot widen the list.
 * Without a port any port matches. Matching is on the host as written in the target, after the
 * checks of target.ts (canonical IPv4, no percent-escapes), so no spelling reaches around it.
 */

type HostMatcher =
  | { readonly kind: 'name'; readonly pattern: RegExp }
  | { readonly kind: 'ip'; readonly address: string }
  | { readonly kind: 'cidr'; readonly block: BlockList };

export interface AllowPattern {
  readonly text: string;
  readonly host: HostMatcher;
  /** undefined: any port. */
  readonly port?: number;
}

const LABEL_GLOB = /^[a-z0-9*-]+$/;

/** The pattern, or why it is not one (for the config error). */
export function parseAllowPattern(text: string): AllowPattern | string {
  let hostText: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
  if (bracketed) {
    [, hostText, portText] = bracketed as unknown as [string, string, string | undefined];
  } else if (text.startsWith('[')) {
    return `"${text.slice(0, 60)}" is not host[:port] (IPv6 goes in brackets: [fd00::/8]:6379)`;
  } else {
    const parts = text.split(':');
    if (parts.length > 2) return `"${text.slice(0, 60)}" is not host[:port] (IPv6 goes in brackets: [fd00::/8]:6379)`;
    [hostText, portText] = parts as [string, string | undefined];
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
      return `"${text.slice(0, 60)}": port must be 1 to 65535`;
    port = Number(portText);
  }
  const host = parseHost(hostText, bracketed !== null);
  if (typeof host === 'string') return `"${text.slice(0, 60)}": ${host}`;
  return { text, host, port };
}

function parseHost(text: string, bracketed: boolean): HostMatcher | string {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const address = text.slice(0, slash);
    const bits = text.slice(slash + 1);
    const family = isIP(address);
    if (family === 0 || (family === 6) !== bracketed) return 'CIDR block must be an IPv4 or [IPv6] network';
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return 'CIDR prefix length out of range';
    const block = new BlockList();
    block.addSubnet(address, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'cidr', block };
  }
  const family = isIP(text);
  if (family !== 0) {
    if ((family === 6) !== bracketed) return 'IPv6 addresses go in brackets';
    return { kind: 'ip', address: canonicalIp(text) };
  }
  if (bracketed) return 'only IPv6 addresses go in brackets';
  const lower = text.toLowerCase();
  if (lower === '' || lower.length > 253 || !lower.split('.').every((label) => LABEL_GLOB.test(label)))
    return 'host must be a DNS name (letters, digits, -, and * within a label), an IP address or a CIDR block';
  const source = lower
    .split('.')
    .map((label) => label.split('*').map(escapeRegex).join('[a-z0-9-]*'))
    .join('\\.');
  return { kind: 'name', pattern: new RegExp(`^${source}$`) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/** One spelling per address (`::0:1` and `::1` are the same host). */
function canonicalIp(text: string): string {
  if (isIPv4(text)) return text;
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** Whether `host` (a name in lower case, a canonical IPv4, or an IPv6 without brackets) on `port` is allowed. */
export function isAllowed(patterns: readonly AllowPattern[], host: string, port: number): boolean {
  const family = isIP(host);
  const ip = family === 0 ? undefined : canonicalIp(host);
  return patterns.some((p) => {
    if (p.port !== undefined && p.port !== port) return false;
    switch (p.host.kind) {
      case 'name':
        return family === 0 && p.host.pattern.test(host);
      case 'ip':
        return ip !== undefined && p.host.address === ip;
      case 'cidr':
        return ip !== undefined && p.host.block.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    }
  });
}

export function parseAllowList(texts: readonly string[]): AllowPattern[] {
  return texts.map((text) => {
    const parsed = parseAllowPattern(text);
    // The config schema has refused bad patterns already.
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  });
}
