import type { IncomingMessage, ServerResponse } from 'node:http';
import { wrapHandler } from '../../src/instrument';
import { inFlight } from '../../src/instrument/response-hooks';
import { count, eventually, lint, newRegistry, serve, type Served } from './support';

/** Plain node:http: the route comes from the app's own dispatch, errors pass through unchanged. */
describe('wrapHandler', () => {
  const registry = newRegistry();
  const escaped: unknown[] = [];
  let served: Served;
  const teapot = Object.assign(new Error('teapot'), { status: 418 });

  const route = (req: IncomingMessage) =>
    req.url?.startsWith('/items/')
      ? '/items/:id'
      : req.url === '/sync-throw' || req.url === '/async-throw'
        ? req.url
        : undefined;

  beforeAll(async () => {
    const handler = wrapHandler(
      async (req: IncomingMessage, res: ServerResponse) => {
        if (req.url === '/sync-throw') throw teapot;
        if (req.url === '/async-throw') {
          await new Promise((r) => setTimeout(r, 5));
          throw new Error('async kaput');
        }
        res.statusCode = req.url?.startsWith('/items/') ? 200 : 404;
        res.end('ok');
      },
      { registry, route },
    );
    served = await serve((req, res) => {
      // The app's own safety net: what escapes the wrapped handler must be the original error.
      handler(req, res).catch((error: unknown) => {
        escaped.push(error);
        res.statusCode = 500;
        res.end();
      });
    });
  });
  afterAll(() => served.close());

  it('records routes from the route option and the rest as unmatched', async () => {
    for (let i = 0; i < 20; i++) await (await fetch(`${served.url}/items/${i}`)).text();
    await (await fetch(`${served.url}/elsewhere`)).text();
    await eventually(async () => {
      expect(await count(registry, 'GET', '/items/:id', 200)).toBe(20);
      expect(await count(registry, 'GET', '_unmatched', 404)).toBe(1);
    });
  });

  it('records errors thrown (or rejected) by the handler with their status, and passes them on unchanged', async () => {
    await (await fetch(`${served.url}/sync-throw`)).text();
    await (await fetch(`${served.url}/async-throw`)).text();
    // An async function turns a synchronous throw into a rejection, so both arrive here.
    expect(escaped[0]).toBe(teapot);
    expect((escaped[1] as Error).message).toBe('async kaput');
    await eventually(async () => {
      expect(await count(registry, 'GET', '/sync-throw', 418)).toBe(1);
      expect(await count(registry, 'GET', '/async-throw', 500)).toBe(1);
    });
    // Recorded once, when thrown: the 500 the safety net sent afterwards is not counted again.
    expect(await count(registry, 'GET', '/async-throw', 500)).toBe(1);
  });

  it('rethrows synchronous errors of a synchronous handler', () => {
    const boom = new Error('sync');
    const wrapped = wrapHandler(
      () => {
        throw boom;
      },
      { registry },
    );
    const fakeRes = {
      setHeader() {},
      on() {},
      headersSent: false,
      writableFinished: false,
    } as unknown as ServerResponse;
    expect(() => wrapped({ method: 'GET', headers: {} } as IncomingMessage, fakeRes)).toThrow(boom);
  });

  it('exposes text that promtool check metrics accepts', async () => {
    expect(await lint(registry)).toBe('');
  });
});

describe('a response measured by two entry points', () => {
  it('is recorded by both and nothing stays held after it closes', async () => {
    const inner = newRegistry();
    const outer = newRegistry();
    const handler = wrapHandler(
      wrapHandler(
        (_req: IncomingMessage, res: ServerResponse) => {
          res.end('ok');
        },
        { registry: inner, route: () => '/twice' },
      ),
      { registry: outer, route: () => '/twice' },
    );
    const served = await serve((req, res) => void handler(req, res));
    try {
      for (let i = 0; i < 20; i++) await (await fetch(`${served.url}/x`)).text();
      await eventually(async () => {
        expect(await count(inner, 'GET', '/twice', 200)).toBe(20);
        expect(await count(outer, 'GET', '/twice', 200)).toBe(20);
      });
      expect(inFlight.size).toBe(0);
    } finally {
      await served.close();
    }
  });
});
