import Router from '@koa/router';
import Koa from 'koa';
import { koaMiddleware, snapshotHandler } from '../../src/instrument';
import { OVERFLOW_ROUTE, UNMATCHED_ROUTE } from '../../src/instrument/snapshot';
import { inFlight } from '../../src/instrument/response-hooks';
import {
  HeldRequest,
  count,
  eventually,
  getSnapshot,
  hammer,
  labelValues,
  lint,
  newRegistry,
  serve,
  series,
  type Served,
} from './support';

// Koa 2 is installed under an alias (`koa2@npm:koa@2`) next to Koa 3.
const Koa2 = require('koa2') as typeof Koa;

/** Koa 3 and 2 with @koa/router, on a real port, driven by fetch: the library as the team's API uses it. */
describe.each([
  ['Koa 3', Koa],
  ['Koa 2', Koa2],
])('koaMiddleware with %s', (_name, Koa) => {
  const registry = newRegistry();
  const handled: unknown[] = [];
  let served: Served;
  const held = new HeldRequest();

  beforeAll(async () => {
    const app = new Koa();
    app.use(koaMiddleware({ registry, service: 'koa-api' }));
    const router = new Router();
    router.get('/users/:id', (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
    router.get('/boom', () => {
      throw Object.assign(new Error('kaput'), { expose: false });
    });
    router.get('/teapot', () => {
      const error = Object.assign(new Error('short and stout'), { status: 418 });
      throw error;
    });
    router.get('/slow', async (ctx) => {
      held.arrived();
      await held.gone(ctx.res);
      ctx.body = 'late';
    });
    router.get('/_jobstack', snapshotHandler({ registry }));
    const api = new Router({ prefix: '/api/v1' });
    api.post('/orders/:orderId/items', (ctx) => {
      ctx.status = 201;
    });
    app.use(router.routes()).use(api.routes());
    app.on('error', (error: unknown) => handled.push(error));
    served = await serve(app.callback());
  });
  afterAll(() => served.close());

  it('records the route template, never the raw path: 5,000 distinct paths leave one route value', async () => {
    const statuses = await hammer(served.url, 5000, (i) => `/users/${i}-${Math.random().toString(36).slice(2)}`);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await eventually(async () => expect(await count(registry, 'GET', '/users/:id', 200)).toBe(5000));
    const routes = await labelValues(registry, 'http_server_request_duration_seconds_count', 'http_route');
    expect([...routes].filter((r) => r.startsWith('/users'))).toEqual(['/users/:id']);
  });

  it('includes the router prefix in the template', async () => {
    const res = await fetch(`${served.url}/api/v1/orders/123/items`, { method: 'POST' });
    expect(res.status).toBe(201);
    await eventually(async () => expect(await count(registry, 'POST', '/api/v1/orders/:orderId/items', 201)).toBe(1));
  });

  it('records requests no route matched under one fixed value', async () => {
    await hammer(served.url, 50, (i) => `/nothing/here/${i}`);
    await eventually(async () => expect(await count(registry, 'GET', UNMATCHED_ROUTE, 404)).toBe(50));
    const routes = await labelValues(registry, 'http_server_request_duration_seconds_count', 'http_route');
    expect([...routes].some((r) => r.startsWith('/nothing'))).toBe(false);
  });

  it('records thrown errors as 500 or their status, and Koa still handles them', async () => {
    const before = handled.length;
    const boom = await fetch(`${served.url}/boom`);
    expect(boom.status).toBe(500);
    const teapot = await fetch(`${served.url}/teapot`);
    expect(teapot.status).toBe(418);
    await eventually(async () => {
      expect(await count(registry, 'GET', '/boom', 500)).toBe(1);
      expect(await count(registry, 'GET', '/teapot', 418)).toBe(1);
    });
    // The very errors the handlers threw reached the app's error event, unchanged.
    expect(handled.slice(before).map((e) => (e as Error).message)).toEqual(['kaput', 'short and stout']);
  });

  it('maps unknown methods to _OTHER', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = require('node:http').request(
        { host: '127.0.0.1', port: served.port, path: '/users/1', method: 'PROPFIND' },
        (res: import('node:http').IncomingMessage) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end();
    });
    await eventually(async () => expect(await count(registry, '_OTHER', UNMATCHED_ROUTE, 404)).toBe(1));
  });

  it('records a client that went away before the answer as aborted (status 0)', async () => {
    await held.abortedGet(served.port, '/slow');
    await eventually(async () => expect(await count(registry, 'GET', '/slow', 0)).toBe(1));
    // Nothing stays held for a response that closed, answered or not (src/instrument/in-flight.ts).
    expect(inFlight.size).toBe(0);
    const snapshot = await getSnapshot(`${served.url}/_jobstack`);
    expect(snapshot.requests.aborted).toBe(1);
    expect(snapshot.recentErrors.find((r) => r.route === '/slow')).toMatchObject({
      status: 0,
      aborted: true,
      method: 'GET',
    });
  });

  it('sends no correlation id back with a fast answer, nor the caller’s (test/instrument/correlation.test.ts: when it does)', async () => {
    const generated = await fetch(`${served.url}/users/1`);
    expect(generated.headers.get('x-request-id')).toBeNull();
    const given = await fetch(`${served.url}/users/1`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBeNull();
  });

  it('answers the snapshot with per-route figures and the active gauge back at 0', async () => {
    const snapshot = await getSnapshot(`${served.url}/_jobstack`);
    expect(snapshot.service).toBe('koa-api');
    const users = snapshot.routes.find((r) => r.route === '/users/:id' && r.method === 'GET')!;
    expect(users.requests).toBeGreaterThanOrEqual(5000);
    expect(users.recent.requests).toBe(users.requests);
    expect(users.recent.p50Seconds).toBeGreaterThan(0);
    expect(users.recent.p95Seconds!).toBeGreaterThanOrEqual(users.recent.p50Seconds!);
    expect(snapshot.routes[0]).toBe(snapshot.routes.find((r) => r.route === '/users/:id' && r.method === 'GET'));
    const boom = snapshot.routes.find((r) => r.route === '/boom')!;
    expect(boom.errors).toBe(1);
    expect(boom.recent.errorRatio).toBe(1);
    expect(snapshot.recentErrors.some((r) => r.route === '/boom' && r.status === 500)).toBe(true);
    // The snapshot request itself is the only one in flight.
    expect(snapshot.requests.active).toBe(1);
    await eventually(async () =>
      expect((await series(registry, 'http_server_active_requests')).get('{http_request_method="GET"}')).toBe(0),
    );
    expect([
      ...(await labelValues(registry, 'http_server_request_duration_seconds_count', 'http_route')),
    ]).not.toContain(OVERFLOW_ROUTE);
  });

  it('exposes text that promtool check metrics accepts', async () => {
    expect(await lint(registry)).toBe('');
  });
});
