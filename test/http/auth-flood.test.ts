import bcrypt from 'bcryptjs';
import { inject } from 'light-my-request';
import { configSchema } from '../../src/config/schema';
import { createApp } from '../../src/http/app';
import { BcryptCache } from '../../src/http/security/auth';
import { BcryptPool } from '../../src/http/security/bcrypt-pool';
import { silentLogger } from '../../src/log/logger';
import { ScrapeRunner } from '../../src/runner/runner';

/** Wrong passwords by the hundred: bounded work, immediate 429 beyond it, known-good credentials kept. */

/** A real pool that counts the checks it was asked to run. */
class CountingPool extends BcryptPool {
  calls = 0;
  override compare(password: string, hash: string) {
    this.calls++;
    return super.compare(password, hash);
  }
}

const cheap = bcrypt.hashSync('right-password', 4);
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

test('300 distinct wrong passwords never evict the known-good credential', async () => {
  const pool = new CountingPool(1000);
  const cache = new BcryptCache(pool);
  try {
    expect(await cache.verify('prom', 'right-password', cheap)).toBe('match');
    for (let i = 0; i < 300; i++) expect(await cache.verify('prom', `wrong-${i}`, cheap)).toBe('mismatch');
    const calls = pool.calls;
    expect(await cache.verify('prom', 'right-password', cheap)).toBe('match');
    expect(await cache.verify('prom', 'wrong-299', cheap)).toBe('mismatch'); // a repeated failure is cached too
    expect(pool.calls).toBe(calls);
  } finally {
    await pool.close();
  }
});

test('the pool bounds checks in progress: beyond it, busy at once', async () => {
  const pool = new BcryptPool(2);
  try {
    const slow = bcrypt.hashSync('x', 10);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.compare(`wrong-${i}`, slow)));
    expect(results.filter((r) => r === 'busy')).toHaveLength(4);
    expect(results.filter((r) => r === 'mismatch')).toHaveLength(2);
  } finally {
    await pool.close();
  }
});

test('a flood of logins gets 401 or 429, never a pile-up, and /health answers meanwhile', async () => {
  const slow = bcrypt.hashSync('right-password', 10);
  const config = configSchema.parse({});
  const runner = new ScrapeRunner([], silentLogger());
  const handler = createApp({
    config,
    runner,
    build: { version: '1', revision: 'x', nodejs: 'v' },
    log: silentLogger(),
    collectorNames: [],
    security: { users: new Map([['prom', slow]]), headers: {} },
  }).callback();
  const flood = Array.from({ length: 20 }, (_, i) =>
    inject(handler, { url: '/metrics', headers: { authorization: basic('prom', `wrong-${i}`) } }),
  );
  const health = await inject(handler, { url: '/health' });
  expect(health.statusCode).toBe(200);
  const statuses = (await Promise.all(flood)).map((r) => r.statusCode);
  expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
  const ok = await inject(handler, { url: '/metrics', headers: { authorization: basic('prom', 'right-password') } });
  expect(ok.statusCode).toBe(200);
});
