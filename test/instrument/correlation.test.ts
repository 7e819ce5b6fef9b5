import http from 'node:http';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import {
  correlationIdOf,
  expressMiddleware,
  fastifyPlugin,
  koaMiddleware,
  takeSnapshot,
  wrapHandler,
  type InstrumentOptions,
} from '../../src/instrument';
import { eventually, newRegistry, serve, sleep } from './support';

/**
 * The correlation id on real servers of every framework: settled only for what is recorded (a 5xx,
 * a slow request) or asked for (`correlationIdOf`), sent back in `x-request-id` while the headers
 * can still carry it, and the same id in the record.
 */
const SLOW_SECONDS = 0.05;

/** One app per framework with the same routes: /ok, /fail (500), /slow (answers after 120 ms), /asked. */
type AppFactory = (options: InstrumentOptions) => Promise<{ url: string; close(): Promise<void> }>;

const late = () => sleep(120);

const factories: [string, AppFactory][] = [
  [
    'Koa',
    async (options) => {
      const app = new Koa();
      app.silent = true;
      app.use(koaMiddleware(options));
      const router = new Router();
      router.get('/ok', (ctx) => void (ctx.body = 'ok'));
      // Thrown: Koa's error handler removes every header set before the error.
      router.get('/fail', () => {
        throw new Error('kaput');
      });
      router.get('/slow', async (ctx) => {
        await late();
        ctx.body = 'late';
      });
      router.get('/asked', (ctx) => void (ctx.body = correlationIdOf(ctx.res)));
      app.use(router.routes());
      return serve(app.callback());
    },
  ],
  [
    'Express',
    async (options) => {
      const app = express();
      app.use(expressMiddleware(options));
      app.get('/ok', (_req, res) => void res.send('ok'));
      app.get('/fail', () => {
        throw new Error('kaput');
      });
      app.get('/slow', async (_req, res) => {
        await late();
        res.send('late');
      });
      app.get('/asked', (_req, res) => void res.send(correlationIdOf(res)));
      app.use(((_error, _req, res, _next) => void res.status(500).send('handled')) as express.ErrorRequestHandler);
      return serve(app);
    },
  ],
  [
    'Fastify',
    async (options) => {
      const app = Fastify();
      await app.register(fastifyPlugin, options);
      app.get('/ok', async () => 'ok');
      app.get('/fail', async () => {
        throw new Error('kaput');
      });
      app.get('/slow', async () => {
        await late();
        return 'late';
      });
      app.get('/asked', async (_request, reply) => correlationIdOf(reply.raw));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return {
        url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
        close: () => app.close(),
      };
    },
  ],
  [
    'node:http',
    async (options) => {
      const handler = wrapHandler(
        async (req: http.IncomingMessage, res: http.ServerResponse) => {
          if (req.url === '/fail') return void res.writeHead(500).end('kaput');
          if (req.url === '/slow') await late();
          res.end(req.url === '/asked' ? correlationIdOf(res) : req.url === '/slow' ? 'late' : 'ok');
        },
        { ...options, route: (req) => req.url },
      );
      return serve(handler);
    },
  ],
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(factories)('correlation id with %s', (_name, factory) => {
  const registry = newRegistry();
  let app: Awaited<ReturnType<AppFactory>>;
  beforeAll(async () => {
    app = await factory({ registry, slowSeconds: SLOW_SECONDS });
  });
  afterAll(() => app.close());

  it('sends none back for a fast, successful request: nothing recorded it', async () => {
    const res = await fetch(`${app.url}/ok`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeNull();
  });

  it('sends the id of a 5xx back, and the error record carries the same id', async () => {
    const res = await fetch(`${app.url}/fail`);
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    await eventually(async () =>
      expect(takeSnapshot({ registry }).recentErrors.map((r) => r.correlationId)).toContain(id),
    );
  });

  it('sends the id of a request slow before its headers went out, the same as in the slow record', async () => {
    const res = await fetch(`${app.url}/slow`);
    expect(await res.text()).toBe('late');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    await eventually(async () =>
      expect(takeSnapshot({ registry }).slowRequests.map((r) => r.correlationId)).toContain(id),
    );
  });

  it('gives correlationIdOf a generated id, sent back with that response', async () => {
    const res = await fetch(`${app.url}/asked`);
    const body = await res.text();
    expect(body).toMatch(UUID);
    expect(res.headers.get('x-request-id')).toBe(body);
  });

  it('keeps the caller’s id: x-request-id, else x-correlation-id, else the trace id of traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const sent: Record<string, string>[] = [
      { 'x-request-id': 'req-1' },
      { 'x-correlation-id': 'corr-2' },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    ];
    for (const headers of sent) {
      const res = await fetch(`${app.url}/fail`, { headers });
      expect(res.headers.get('x-request-id')).toBeNull();
    }
    for (const asked of sent) {
      const res = await fetch(`${app.url}/asked`, { headers: asked });
      expect(await res.text()).toBe(Object.values(asked)[0].replace(/^00-(\w+)-.*$/, '$1'));
    }
    await eventually(async () =>
      expect(takeSnapshot({ registry }).recentErrors.map((r) => r.correlationId)).toEqual(
        expect.arrayContaining(['req-1', 'corr-2', traceId]),
      ),
    );
  });
});

describe('requestIdHeader', () => {
  const [, koa] = factories[0];

  it('always: every response carries a generated id', async () => {
    const app = await koa({ registry: newRegistry(), requestIdHeader: 'always' });
    try {
      const res = await fetch(`${app.url}/ok`);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    } finally {
      await app.close();
    }
  });

  it('never: no response carries one, and records still get an id', async () => {
    const registry = newRegistry();
    const app = await koa({ registry, requestIdHeader: 'never', slowSeconds: SLOW_SECONDS });
    try {
      for (const path of ['/fail', '/slow', '/asked']) {
        const res = await fetch(`${app.url}${path}`);
        expect(res.headers.get('x-request-id')).toBeNull();
      }
      await eventually(async () => {
        const snapshot = takeSnapshot({ registry });
        expect(snapshot.recentErrors[0]?.correlationId).toMatch(UUID);
        expect(snapshot.slowRequests[0]?.correlationId).toMatch(UUID);
      });
    } finally {
      await app.close();
    }
  });

  it('rejects anything else, naming the option', () => {
    expect(() => koaMiddleware({ registry: newRegistry(), requestIdHeader: true as never })).toThrow(
      /option requestIdHeader must be one of recorded, always, never/,
    );
  });

  it('leaves responses of servers it does not measure alone', async () => {
    const other = await serve((_req, res) => void res.writeHead(500).end('not measured'));
    try {
      const res = await fetch(other.url);
      expect(res.status).toBe(500);
      expect(res.headers.get('x-request-id')).toBeNull();
    } finally {
      await other.close();
    }
  });
});
