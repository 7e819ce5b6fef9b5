import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type Koa from 'koa';
import type { WebSecurity } from '../../config/web-config';
import { BcryptPool, type CompareResult } from './bcrypt-pool';

/** Paths reachable without credentials: liveness must work for orchestrators that cannot log in. */
const PUBLIC_PATHS = new Set(['/health']);

/** Compared against when the user is unknown, so a wrong user name costs as much as a wrong password. */
// A fixed cost-10 hash (of 'jobstack-exporter timing equaliser'), not computed at import: hashing it cost ~70 ms of startup.
const FAKE_HASH = '$2b$10$uBBV1MdnUk./ZiLkWgK4feQQg4/hSIZen.C/1aWrH3/VulSXwgYXO';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Distinct wrong credentials remembered, so the same wrong password repeated costs no bcrypt. */
const FAILURES_KEPT = 256;
/** Distinct right credentials remembered; only a right password can add one, so no flood evicts them. */
const SUCCESSES_KEPT = 64;

/**
 * bcrypt costs tens of milliseconds per check by design; Prometheus sends the same credentials on
 * every scrape, so results are cached by a digest of (user, password, hash), never the password.
 * Successes and failures are kept apart: any number of distinct wrong passwords only rotates the
 * failures, never evicts a known-good credential. Checks run on a worker thread (BcryptPool) with
 * a bounded queue; beyond it the answer is `busy` (429) at once.
 */
export class BcryptCache {
  private readonly successes = new Map<string, true>();
  private readonly failures = new Map<string, false>();
  constructor(private readonly pool: BcryptPool = new BcryptPool()) {}

  async verify(user: string, password: string, hash: string): Promise<CompareResult> {
    const key = sha256(`${user}\u0000${password}\u0000${hash}`).toString('hex');
    if (this.successes.has(key)) return 'match';
    if (this.failures.has(key)) return 'mismatch';
    const result = await this.pool.compare(password, hash);
    if (result === 'busy') return result;
    const [kept, max] =
      result === 'match'
        ? [this.successes as Map<string, boolean>, SUCCESSES_KEPT]
        : [this.failures as Map<string, boolean>, FAILURES_KEPT];
    if (kept.size >= max) kept.delete(kept.keys().next().value!);
    kept.set(key, result === 'match');
    return result;
  }
}

function parseBasic(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** With VerifyClientCertIfGiven the handshake accepts any certificate; an untrusted one is refused here. */
function clientCertAcceptable(socket: TLSSocket): boolean {
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  return !cert || Object.keys(cert).length === 0 || socket.authorized;
}

/** Basic auth (bcrypt users) and/or bearer token on every path but /health. */
export function authMiddleware(security: WebSecurity, cache = new BcryptCache()): Koa.Middleware {
  const token = security.bearerToken ? sha256(security.bearerToken) : undefined;
  const needsAuth = security.users.size > 0 || token !== undefined;
  const verifyIfGiven = security.tls?.verifyIfGiven ?? false;
  return async (ctx, next) => {
    if (verifyIfGiven && !clientCertAcceptable(ctx.req.socket as TLSSocket)) {
      ctx.status = 401;
      ctx.body = 'client certificate not trusted\n';
      return;
    }
    if (!needsAuth || PUBLIC_PATHS.has(ctx.path)) {
      await next();
      return;
    }
    const header = ctx.get('authorization');
    let ok = false;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer && token) {
      ok = timingSafeEqual(sha256(bearer[1]), token);
    } else {
      const basic = parseBasic(header);
      if (basic && security.users.size > 0) {
        const hash = security.users.get(basic.user);
        const result = await cache.verify(basic.user, basic.password, hash ?? FAKE_HASH);
        if (result === 'busy') {
          ctx.status = 429;
          ctx.set('Retry-After', '1');
          ctx.type = 'text/plain';
          ctx.body = 'too many password checks in progress\n';
          return;
        }
        ok = result === 'match' && hash !== undefined;
      }
    }
    if (!ok) {
      ctx.status = 401;
      if (security.users.size > 0) ctx.set('WWW-Authenticate', 'Basic realm="jobstack-exporter", charset="UTF-8"');
      else ctx.set('WWW-Authenticate', 'Bearer realm="jobstack-exporter"');
      ctx.type = 'text/plain';
      ctx.body = 'unauthorized\n';
      return;
    }
    await next();
  };
}
