import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { registerSecret } from '../log/redact';

/** Where the exporter's Redis is, as ioredis options: pure, so it is tested on its own. */

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Our connections carry this name in CLIENT LIST; it can never look like a BullMQ worker. */
export const CLIENT_NAME_PREFIX = 'jobstack-exporter';

export interface RedisTarget {
  /** redis:// or rediss:// URL with optional user, password and /db; default redis://127.0.0.1:6379. */
  readonly url?: string;
  /** Overrides any password in the URL. */
  readonly password?: string;
}

/** ioredis options for a URL: host, port, ACL user, password, database number and TLS for rediss://. */
export function connectionOptions(target: RedisTarget, tls?: ConnectionOptions): RedisOptions {
  const u = new URL(target.url ?? DEFAULT_REDIS_URL);
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'redis' && scheme !== 'rediss')
    throw new Error(`Redis URL scheme must be redis or rediss, not ${scheme}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const path = u.pathname.replace(/^\/+/, '');
  if (path !== '' && !/^\d{1,5}$/.test(path))
    throw new Error('Redis URL path must be a database number (redis://host:6379/0)');
  const username = decodeURIComponent(u.username) || undefined;
  const password = target.password ?? (decodeURIComponent(u.password) || undefined);
  registerSecret(password);
  const options: RedisOptions = { host, port: u.port ? Number(u.port) : 6379, db: path === '' ? 0 : Number(path) };
  if (username !== undefined) options.username = username;
  if (password !== undefined) options.password = password;
  // SNI only for names: Node refuses an IP address as servername.
  if (scheme === 'rediss') options.tls = { ...(isIP(host) ? {} : { servername: host }), ...tls };
  return options;
}
