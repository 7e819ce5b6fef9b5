import { isIP, isIPv4 } from 'node:net';
import type { TargetKind } from './config';

/**
 * The `target` of a /probe request, checked before anything is contacted. Every refusal is a
 * short fixed message: the target itself is never echoed (it may be 10 KB, or hold a password).
 */

/** Longer targets are refused unread. */
export const MAX_TARGET_CHARS = 2048;

const KIND_OF_SCHEME: Readonly<Record<string, TargetKind>> = {
  redis: 'redis',
  rediss: 'redis',
  postgres: 'postgres',
  postgresql: 'postgres',
  http: 'http',
  https: 'http',
};
const DEFAULT_PORT: Readonly<Record<string, number>> = {
  redis: 6379,
  rediss: 6379,
  postgres: 5432,
  postgresql: 5432,
  http: 80,
  https: 443,
};
const SCHEMES = Object.keys(KIND_OF_SCHEME)
  .map((s) => `${s}://`)
  .join(', ');
/** sslmode is the only connection parameter a PostgreSQL target may carry (`host=` would redirect it). */
const SSL_MODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

export interface ProbeTarget {
  readonly kind: TargetKind;
  readonly url: URL;
  /** Lower case name, canonical IPv4, or IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** The URL the collectors are given (normalized, explicit port, no credentials): also the pool key. */
  readonly href: string;
}

export class TargetRefused extends Error {}

const refuse = (message: string): never => {
  throw new TargetRefused(message);
};

/** The checked target, or throws TargetRefused with a message fit for a 400 answer. */
export function parseTarget(raw: string): ProbeTarget {
  if (raw.length === 0) refuse('target is empty');
  if (raw.length > MAX_TARGET_CHARS) refuse(`target is longer than ${MAX_TARGET_CHARS} characters`);
  // Controls and spaces: the URL parser would drop some of them silently.
  if (/[\p{Cc}\s]/u.test(raw)) refuse('target holds spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(`target is not a URL (expected ${SCHEMES}...)`);
  }
  const scheme = url.protocol.slice(0, -1);
  const kind = KIND_OF_SCHEME[scheme];
  if (!kind) return refuse(`target scheme "${scheme.slice(0, 20)}" is not supported (expected ${SCHEMES}...)`);
  // Credentials never travel in the query string: it ends up in logs, in Prometheus and in browsers.
  if (url.username || url.password)
    refuse('target must not hold credentials; they come from multiTarget.credentialsFile');
  if (url.hash) refuse('target must not have a #fragment');
  const host = checkHost(url.hostname);
  const port = url.port ? Number(url.port) : DEFAULT_PORT[scheme];
  if (kind === 'redis') {
    if (!/^(\/\d{0,5})?$/.test(url.pathname)) refuse('a Redis target path can only be a database number (/0)');
    if (url.search) refuse('a Redis target takes no ?parameters');
  }
  if (kind === 'postgres') {
    if (!/^\/[A-Za-z0-9_.-]{1,63}$/.test(url.pathname))
      refuse('a PostgreSQL target needs a database name (postgres://host:5432/dbname)');
    for (const [key, value] of url.searchParams)
      if (key !== 'sslmode' || !SSL_MODES.has(value))
        refuse('a PostgreSQL target takes no ?parameters but sslmode=disable|prefer|require|verify-ca|verify-full');
  }
  // Rebuilt from the checked parts, so the collectors contact exactly what the allow-list saw.
  const hostInUrl = isIP(host) === 6 ? `[${host}]` : host;
  return { kind, url, host, port, href: `${scheme}://${hostInUrl}:${port}${url.pathname}${url.search}` };
}

/**
 * Only plain DNS names, canonical IPv4 and bracketed IPv6 addresses: percent-escapes (pg decodes
 * `%2Ftmp` to a Unix socket path) and numeric spellings resolvers accept (`0x7f.1`, `2130706433`)
 * would otherwise reach an address the allow-list never saw.
 */
function checkHost(hostname: string): string {
  if (hostname === '') return refuse('target has no host');
  if (hostname.startsWith('[')) {
    const inner = hostname.slice(1, -1);
    if (!hostname.endsWith(']') || isIP(inner) !== 6) return refuse('target host is not a valid IPv6 address');
    return new URL(`http://[${inner}]/`).hostname.slice(1, -1);
  }
  const lower = hostname.toLowerCase();
  if (lower.length > 253 || !/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(lower))
    return refuse('target host must be a DNS name or an IP address');
  const numeric = lower.split('.').every((label) => /^(0x[0-9a-f]*|[0-9]+)$/.test(label));
  if (numeric && !(isIPv4(lower) && lower.split('.').every((octet) => octet === '0' || !octet.startsWith('0'))))
    return refuse('target host looks numeric but is not a dotted IPv4 address');
  return lower;
}
