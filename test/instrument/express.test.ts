import express5 from 'express';
import { expressMiddleware, snapshotHandler } from '../../src/instrument';
import { UNMATCHED_ROUTE } from '../../src/instrument/snapshot';
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
  type Served,
} from './support';

// Express 4 is installed under an alias (`express4@npm:express@4`) next to Express 5.
const express4 = require('express4') as typeof express5;

describe.each([
  ['Express 5', express5],
  ['Express 4', express4],
])('expressMiddleware with %s', (_name, express) => {
  const registry = newRegistry();
  const errorsSeen: unknown[] = [];
  let served: Served;
  const held = new HeldRequest();

  beforeAll(async () => {
    const app = express();
    app.use(expressMiddleware({ registry, service: 'express-api' }));
    app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const orders = express.Router();
    orders.get('/:orderId', (_req, res) => {
      res.send('order');
    });
    app.use('/api/orders', orders);
    const admin = express();
    admin.get('/stats/:day', (_req, res) => {
      res.send('stats');
    });
    app.use('/admin', admin);
    app.get('/boom', () => {
      throw Object.assign(new Error('kaput'), { status: 503 });
    });
    app.get('/slow', async (_req, res) => {
      held.arrived();
      await held.gone(res);
      res.send('late');
    });
    app.get('/_jobstack', snapshotHandler({ registry }));
    app.use(
      (
        error: Error & { status?: number },
        _req: express5.Request,
        res: express5.Response,
        _next: express5.NextFunction,
      ) => {
        errorsSeen.push(error);
        res.status(error.status ?? 500).send('handled');
      },
    );
    served = await serve(app);
  });
  afterAll(() => served.close());

  it('records the matched route, never the raw path: 5,000 distinct paths leave one route value', async () => {
    const statuses = await hammer(served.url, 5000, (i) => `/users/${i}x${Math.random().toString(36).slice(2)}`);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await eventually(async () => expect(await count(registry, 'GET', '/users/:id', 200)).toBe(5000));
    const routes = await labelValues(registry, 'http_server_request_duration_seconds_count', 'http_route');
    expect([...routes].filter((r) => r.startsWith('/users'))).toEqual(['/users/:id']);
  });

  it('prefixes the mount path of routers and sub-apps', async () => {
    expect((await fetch(`${served.url}/api/orders/42`)).status).toBe(200);
    expect((await fetch(`${served.url}/admin/stats/monday`)).status).toBe(200);
    await eventually(async () => {
      expect(await count(registry, 'GET', '/api/orders/:orderId', 200)).toBe(1);
      expect(await count(registry, 'GET', '/admin/stats/:day', 200)).toBe(1);
    });
  });

  it('records requests no route matched under one fixed value', async () => {
    await hammer(served.url, 50, (i) => `/nothing/${i}`);
    await eventually(async () => expect(await count(registry, 'GET', UNMATCHED_ROUTE, 404)).toBe(50));
  });

  it('records a thrown error with its status while the app’s error handler answers it', async () => {
    const res = await fetch(`${served.url}/boom`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('handled');
    expect((errorsSeen.at(-1) as Error).message).toBe('kaput');
    await eventually(async () => expect(await count(registry, 'GET', '/boom', 503)).toBe(1));
  });

  it('records a client that went away before the answer as aborted', async () => {
    await held.abortedGet(served.port, '/slow');
    await eventually(async () => expect(await count(registry, 'GET', '/slow', 0)).toBe(1));
    // Nothing stays held for a response that closed, answered or not (src/instrument/in-flight.ts).
    expect(inFlight.size).toBe(0);
    const snapshot = await getSnapshot(`${served.url}/_jobstack`);
    expect(snapshot.service).toBe('express-api');
    expect(snapshot.requests.aborted).toBe(1);
    expect(snapshot.requests.errors).toBe(1);
    expect(snapshot.recentErrors.map((r) => [r.route, r.status])).toEqual([
      ['/slow', 0],
      ['/boom', 503],
    ]);
  });

  it('exposes text that promtool check metrics accepts', async () => {
    expect(await lint(registry)).toBe('');
  });
});
