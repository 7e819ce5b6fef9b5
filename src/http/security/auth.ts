import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { TLSSocket } from 'node:tls';
import type Koa from 'koa';
import type { WebSecurity } from './web-config';

/** Paths reachable without credentials: liveness must work for orchestrators that cannot log in. */
const PUBLIC_PATHS = new Set(['/health']);

/** Compared against when the user is unknown, so a wrong user name costs as much as a wrong password. */
const FAKE_HASH = bcrypt.hashSync('jobstack-exporter timing equaliser', 10);

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * bcrypt costs tens of milliseconds per check by design; Prometheus sends the same credentials on
 * every scrape, so results are cached by a digest of (user, password, hash), never the password.
 */
class BcryptCache {
  private readonly results = new Map<string, boolean>();
  constructor(private readonly max = 256) {}

  async verify(user: string, password: string, hash: string): Promise<boolean> {
    const key = sha256(`${user}\u0000${password}\u0000${hash}`).toString('hex');
    const known = this.results.get(key);
    if (known !== undefined) return known;
    const ok = await bcrypt.compare(password, hash);
    if (this.results.size >= this.max) this.results.delete(this.results.keys().next().value!);
    this.results.set(key, ok);
    return ok;
  }
}

function parseBasic(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** With VerifyClientCertIfGiven the handshake accepts any certificate; an untrusted one is refused here. */
function clientCertAcceptable(socket: TLSSocket): boolean {
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  return !cert || Object.keys(cert).length === 0 || socket.authorized;
}

/** Basic auth (bcrypt users) and/or bearer token on every path but /health. */
export function authMiddleware(security: WebSecurity): Koa.Middleware {
  const cache = new BcryptCache();
  const token = security.bearerToken ? sha256(security.bearerToken) : undefined;
  const needsAuth = security.users.size > 0 || token !== undefined;
  const verifyIfGiven = security.tls?.verifyIfGiven ?? false;
  return async (ctx, next) => {
    if (verifyIfGiven && !clientCertAcceptable(ctx.req.socket as TLSSocket)) {
      ctx.status = 401;
      ctx.body = 'client certificate not trusted\n';
      return;
    }
    if (!needsAuth || PUBLIC_PATHS.has(ctx.path)) return next();
    const header = ctx.get('authorization');
    let ok = false;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer && token) {
      ok = timingSafeEqual(sha256(bearer[1]!), token);
    } else {
      const basic = parseBasic(header);
      if (basic && security.users.size > 0) {
        const hash = security.users.get(basic.user);
        const matches = await cache.verify(basic.user, basic.password, hash ?? FAKE_HASH);
        ok = matches && hash !== undefined;
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
    return next();
  };
}
