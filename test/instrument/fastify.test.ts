import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyPlugin, snapshotHandler } from '../../src/instrument';
import { UNMATCHED_ROUTE } from '../../src/instrument/snapshot';
import { inFlight } from '../../src/instrument/response-hooks';
import { HeldRequest, count, eventually, getSnapshot, hammer, labelValues, lint, newRegistry } from './support';

/** Fastify 5 on a real port: the route url from routeOptions, its 404 handler as unmatched. */
describe('fastifyPlugin', () => {
  const registry = newRegistry();
  const errorsSeen: unknown[] = [];
  let app: FastifyInstance;
  let url: string;
  let port: number;
  const held = new HeldRequest();

  beforeAll(async () => {
    app = Fastify();
    await app.register(fastifyPlugin, { registry, service: 'fastify-api' });
    // Set before the routes: Fastify gives each route the error handler in force when it is added.
    app.setErrorHandler((error, _request, reply) => {
      errorsSeen.push(error);
      void reply.status(500).send({ error: 'handled' });
    });
    app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    app.get('/boom', async () => {
      throw new Error('kaput');
    });
    app.get('/slow', async (_request, reply) => {
      held.arrived();
      await held.gone(reply.raw);
      return 'late';
    });
    app.get('/_jobstack', snapshotHandler({ registry }));
    // Routes in an encapsulated child context are measured too.
    await app.register(
      async (child) => {
        child.get('/items/:itemId', async () => 'item');
      },
      { prefix: '/v2' },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => app.close());

  it('records the route url, never the raw path: 5,000 distinct paths leave one route value', async () => {
    const statuses = await hammer(url, 5000, (i) => `/users/${i}-${Math.random().toString(36).slice(2)}`);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await eventually(async () => expect(await count(registry, 'GET', '/users/:id', 200)).toBe(5000));
    const routes = await labelValues(registry, 'http_server_request_duration_seconds_count', 'http_route');
    expect([...routes].filter((r) => r.startsWith('/users'))).toEqual(['/users/:id']);
  });

  it('measures routes of encapsulated plugins with their prefix', async () => {
    expect((await fetch(`${url}/v2/items/9`)).status).toBe(200);
    await eventually(async () => expect(await count(registry, 'GET', '/v2/items/:itemId', 200)).toBe(1));
  });

  it('records requests no route matched under one fixed value', async () => {
    await hammer(url, 30, (i) => `/missing/${i}`);
    await eventually(async () => expect(await count(registry, 'GET', UNMATCHED_ROUTE, 404)).toBe(30));
  });

  it('records thrown errors as 500 while the app’s error handler answers them', async () => {
    const res = await fetch(`${url}/boom`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'handled' });
    expect((errorsSeen.at(-1) as Error).message).toBe('kaput');
    await eventually(async () => expect(await count(registry, 'GET', '/boom', 500)).toBe(1));
  });

  it('records a client that went away before the answer as aborted', async () => {
    await held.abortedGet(port, '/slow');
    await eventually(async () => expect(await count(registry, 'GET', '/slow', 0)).toBe(1));
    // Nothing stays held for a response that closed, answered or not (src/instrument/in-flight.ts).
    expect(inFlight.size).toBe(0);
    const snapshot = await getSnapshot(`${url}/_jobstack`);
    expect(snapshot.service).toBe('fastify-api');
    expect(snapshot.requests).toMatchObject({ aborted: 1, errors: 1 });
  });

  it('sends a generated correlation id back through Fastify’s error reply', async () => {
    const res = await fetch(`${url}/boom`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes text that promtool check metrics accepts', async () => {
    expect(await lint(registry)).toBe('');
  });
});
