import { isAllowed, parseAllowList, parseAllowPattern } from '../../src/multitarget/allow';
import { parseTarget, TargetRefused } from '../../src/multitarget/target';

/** Whether the target URL passes both the target checks and the allow-list. */
function allowed(patterns: string[], target: string): boolean {
  const list = parseAllowList(patterns);
  try {
    const t = parseTarget(target);
    return isAllowed(list, t.host, t.port);
  } catch (err) {
    if (err instanceof TargetRefused) return false;
    throw err;
  }
}

describe('multiTarget.allow patterns', () => {
  test.each([
    ['*.redis.internal:6379', 'redis://a.redis.internal:6379', true],
    ['*.redis.internal:6379', 'redis://a.redis.internal', true], // default port 6379
    ['*.redis.internal:6379', 'redis://A.REDIS.INTERNAL:6379/2', true],
    ['*.redis.internal:6379', 'redis://a.redis.internal:6380', false],
    ['*.redis.internal:6379', 'redis://a.b.redis.internal:6379', false], // * stays within one label
    ['*.redis.internal:6379', 'redis://redis.internal:6379', false],
    ['*.redis.internal:6379', 'redis://a.redis.internal.evil.com:6379', false],
    ['redis-*', 'redis://redis-1.evil.com:6379', false],
    ['redis-*', 'redis://redis-1:7000', true], // no port: any port
    ['db.internal:5432', 'postgres://db.internal/jobs', true],
    ['db.internal:5432', 'postgresql://db.internal:5433/jobs', false],
    ['10.0.0.0/8', 'redis://10.1.2.3:6379', true],
    ['10.0.0.0/8', 'redis://11.1.2.3:6379', false],
    ['10.0.0.0/8:6379', 'redis://10.1.2.3:6380', false],
    ['10.0.0.0/8', 'redis://0x0a.1:6379', false], // numeric spellings are refused, not resolved
    ['10.0.0.0/8', 'redis://167772161:6379', false],
    ['10.0.0.0/8', 'redis://010.0.0.1:6379', false],
    ['127.0.0.1', 'http://0x7f.1/', true], // http URLs are canonicalized by the URL parser first
    ['127.0.0.1', 'redis://127.0.0.1:1', true],
    ['[::1]:6379', 'redis://[0:0::1]:6379', true],
    ['[fd00::/8]', 'redis://[fd12::5]:6379', true],
    ['[fd00::/8]', 'redis://[fe80::1]:6379', false],
    ['*.internal', 'postgres://%2Ftmp%2Fsock.internal/db', false], // pg would decode it to a socket path
    ['*', 'redis://10.0.0.1:6379', false], // names match names, IPs need an IP or CIDR pattern
  ])('%s vs %s -> %s', (pattern, target, expected) => {
    expect(allowed([pattern], target)).toBe(expected);
  });

  test.each([
    ['a.b:c:d', 'is not host[:port]'],
    ['host:0', 'port must be 1 to 65535'],
    ['host:99999', 'port must be 1 to 65535'],
    ['10.0.0.0/33', 'CIDR prefix length out of range'],
    ['fd00::/8', 'is not host[:port]'],
    ['[10.0.0.0/8]', 'CIDR block must be an IPv4 or [IPv6] network'],
    ['[redis.internal]', 'only IPv6 addresses go in brackets'],
    ['redis_internal', 'host must be a DNS name'],
    ['', 'host must be a DNS name'],
  ])('bad pattern %j: %s', (pattern, message) => {
    expect(parseAllowPattern(pattern)).toEqual(expect.stringContaining(message));
  });
});
