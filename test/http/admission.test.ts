import { inject } from 'light-my-request';
import type { Collector } from '../../src/collectors/types';
import { configSchema } from '../../src/config/schema';
import { DashboardState } from '../../src/dashboard/state';
import { Admission } from '../../src/http/admission';
import { createApp } from '../../src/http/app';
import { silentLogger } from '../../src/log/logger';
import { Redactor } from '../../src/log/redact';
import { ScrapeRunner } from '../../src/runner/runner';

const build = { version: '1.0.0', revision: 'x', nodejs: process.version };

/** An app whose one collector waits for the test to release it, with the dashboard routes. */
function gatedApp(maxRequests: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow: Collector = { name: 'slow', collect: () => gate };
  const config = configSchema.parse({ web: { maxRequests } });
  const runner = new ScrapeRunner([{ collector: slow, timeoutMs: 30_000 }], silentLogger());
  const dashboard = new DashboardState({ runner, config, build, collectorNames: ['slow'], redactor: new Redactor() });
  const handler = createApp({
    config,
    runner,
    build,
    log: silentLogger(),
    collectorNames: ['slow'],
    dashboard,
  }).callback();
  return { handler, release, runner };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('one bounded admission for every endpoint that collects or renders', () => {
  test.each([
    '/metrics/',
    '/Metrics',
    '/METRICS/',
    '/metrics//',
    '/dashboard/data/',
    '/Health/detailed',
    '/health/detailed/',
  ])('%s is not served (paths match exactly)', async (url) => {
    const { handler, release } = gatedApp(10);
    release();
    expect((await inject(handler, { url })).statusCode).toBe(404);
  });

  test('/metrics, /dashboard/data and /health/detailed share one cap; /health and static files never wait', async () => {
    const { handler, release, runner } = gatedApp(3);
    const admitted = ['/metrics', '/dashboard/data', '/health/detailed'].map((url) => inject(handler, { url }));
    await tick();
    for (const url of ['/metrics', '/dashboard/data', '/health/detailed']) {
      const refused = await inject(handler, { url });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
    }
    expect((await inject(handler, { url: '/health' })).statusCode).toBe(200);
    expect((await inject(handler, { url: '/dashboard' })).statusCode).toBe(200);
    release();
    const answers = await Promise.all(admitted);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    // The three admitted requests shared one collection.
    expect(runner.collectionCount).toBe(1);
    // Once they are done, the cap is free again.
    expect((await inject(handler, { url: '/metrics' })).statusCode).toBe(200);
  });

  test('/dashboard/data is built once per collection and carries its own generatedAt and ageSeconds', async () => {
    const { handler, release } = gatedApp(10);
    release();
    const a = JSON.parse((await inject(handler, { url: '/dashboard/data' })).body);
    await new Promise((r) => setTimeout(r, 20));
    const b = JSON.parse((await inject(handler, { url: '/dashboard/data' })).body);
    expect(b.collectedAt).toBe(a.collectedAt);
    expect(b.ageSeconds).toBeGreaterThan(a.ageSeconds);
    expect(Date.parse(b.generatedAt)).toBeGreaterThan(Date.parse(a.generatedAt));
    expect(b.queues).toEqual(a.queues);
    const health = await inject(handler, { url: '/health/detailed' });
    expect(health.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(health.body).status).toBe(a.health.status);
  });
});

test('admitted answers that are ready together leave one per event-loop turn', async () => {
  const admission = new Admission(10);
  const events: string[] = [];
  const ctx = () => ({ set: () => undefined }) as never;
  const answers = [1, 2, 3].map((i) =>
    admission.middleware(ctx(), async () => undefined).then(() => events.push(`answer ${i}`)),
  );
  let turns = 0;
  const turn = () => {
    events.push('turn');
    if (++turns < 8) setImmediate(turn);
  };
  setImmediate(turn);
  await Promise.all(answers);
  const at = (i: number) => events.indexOf(`answer ${i}`);
  expect(at(1)).toBeLessThan(at(2));
  expect(events.slice(at(1), at(2))).toContain('turn');
  expect(events.slice(at(2), at(3))).toContain('turn');
});
