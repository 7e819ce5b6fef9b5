import http from 'node:http';
import { snapshotHandler, takeSnapshot, wrapHandler } from '../../src/instrument';
import { OVERFLOW_ROUTE, SNAPSHOT_LIMITS, type AppSnapshot } from '../../src/instrument/snapshot';
import { eventually, getSnapshot, hammer, labelValues, lint, newRegistry, serve, series, type Served } from './support';

/** Every string of the snapshot, wherever it is. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

function get(port: number, path: string, headers: http.OutgoingHttpHeaders): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
  });
}

/**
 * The worst an app can do: route every raw path (a misconfigured router), hostile headers, errors
 * and slow answers on every request. Series, snapshot rows, rings and strings stay bounded.
 */
describe('bounds under hostile input', () => {
  const registry = newRegistry();
  let served: Served;

  beforeAll(async () => {
    const handler = wrapHandler(
      (req, res) => {
        res.statusCode = req.url!.includes('fail') ? 503 : 200;
        res.end();
      },
      // The raw path as the route: what the cap is for.
      { registry, route: (req) => req.url, maxRoutes: 20, slowSeconds: 1e-9, slowRequests: 50, recentErrors: 50 },
    );
    const snapshot = snapshotHandler({ registry });
    served = await serve((req, res) => (req.url === '/_jobstack' ? snapshot(req, res) : handler(req, res)));
  });
  afterAll(() => served.close());

  it('caps distinct route values and counts what went to the overflow value', async () => {
    await hammer(served.url, 5000, (i) => `/raw/${i}`);
    await eventually(async () => {
      const overflowed = (await series(registry, 'http_server_route_overflow_total')).get('');
      expect(overflowed).toBe(5000 - 20);
    });
    const routes = await labelValues(registry, 'http_server_request_duration_seconds_count', 'http_route');
    expect(routes.size).toBe(21);
    expect(routes.has(OVERFLOW_ROUTE)).toBe(true);
    const snapshot = await getSnapshot(`${served.url}/_jobstack`);
    expect(snapshot.requests.overflowed).toBe(4980);
    expect(snapshot.routes.length).toBeLessThanOrEqual(22);
    expect(snapshot.routes[0]).toMatchObject({ route: OVERFLOW_ROUTE, requests: 4980 });
  });

  it('cuts 10 KB correlation ids and keeps the rings at their size', async () => {
    const huge = 'r'.repeat(10_000);
    const hugeRoute = `/fail/${'p'.repeat(9_000)}`;
    for (let i = 0; i < 120; i++) {
      await get(served.port, i % 2 ? hugeRoute : `/fail/${i}`, {
        'x-request-id': `${huge}${i}`,
        // Node refuses more than 16 KB of headers (431) before any handler runs.
        'x-junk': 'j'.repeat(4_000),
      });
    }
    await get(served.port, '/fail/tp', { traceparent: `00-${'AB'.repeat(16)}-${'1'.repeat(16)}-01` });
    await get(served.port, '/fail/bad-tp', {
      traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`,
      'x-correlation-id': 'corr-7',
    });
    const res = await fetch(`${served.url}/_jobstack`);
    const text = await res.text();
    const snapshot = JSON.parse(text) as AppSnapshot;
    expect(text.length).toBeLessThan(SNAPSHOT_LIMITS.bytes);
    expect(snapshot.slowRequests).toHaveLength(50);
    expect(snapshot.recentErrors).toHaveLength(50);
    const longest = Math.max(...strings(snapshot).map((s) => s.length));
    expect(longest).toBeLessThanOrEqual(SNAPSHOT_LIMITS.string);
    // Newest first: the two traceparent requests came last.
    expect(snapshot.recentErrors[0].correlationId).toBe('corr-7');
    expect(snapshot.recentErrors[1].correlationId).toBe('ab'.repeat(16));
    expect(snapshot.recentErrors[2].correlationId).toBe('r'.repeat(SNAPSHOT_LIMITS.string));
    expect(snapshot.recentErrors.every((r) => r.status === 503 && !r.aborted && r.verySlow === false)).toBe(true);
  });

  it('keeps the exposition lint-clean with hostile route values', async () => {
    const hostile = newRegistry();
    const nasty = [
      '/a"b',
      '/back\\slash',
      '/new\nline',
      '/lone\uD800surrogate',
      '/{brace}=,x',
      `/${'long'.repeat(300)}`,
    ];
    let i = 0;
    const handler = wrapHandler((_req, res) => res.end(), {
      registry: hostile,
      route: () => nasty[i++ % nasty.length],
    });
    const app = await serve(handler);
    try {
      for (let n = 0; n < nasty.length; n++) await (await fetch(app.url)).text();
      await eventually(async () =>
        expect((await labelValues(hostile, 'http_server_request_duration_seconds_count', 'http_route')).size).toBe(
          nasty.length,
        ),
      );
      expect(await lint(hostile)).toBe('');
    } finally {
      await app.close();
    }
    expect(await lint(registry)).toBe('');
  });
});

describe('takeSnapshot', () => {
  it('follows the contract with nothing measured yet', () => {
    const registry = newRegistry();
    const snapshot = takeSnapshot({ registry, service: 's'.repeat(500), slowSeconds: 2, verySlowSeconds: 8 });
    expect(snapshot).toEqual({
      version: 1,
      service: 's'.repeat(SNAPSHOT_LIMITS.string),
      generatedAt: expect.any(Number),
      startedAt: expect.any(Number),
      thresholds: { slowSeconds: 2, verySlowSeconds: 8 },
      requests: { active: 0, total: 0, errors: 0, aborted: 0, overflowed: 0 },
      routes: [],
      slowRequests: [],
      recentErrors: [],
      websockets: { open: 0, opened: 0, closed: 0, messagesReceived: 0, messagesSent: 0, errors: 0, recentEvents: [] },
    });
  });

  it('shares one state per registry between entry points', async () => {
    const registry = newRegistry();
    const handler = wrapHandler((_req, res) => res.end('ok'), { registry, route: () => '/ping' });
    const served = await serve(handler);
    try {
      await (await fetch(`${served.url}/x`)).text();
      await eventually(() => expect(takeSnapshot({ registry }).requests.total).toBe(1));
      expect(takeSnapshot({ registry: newRegistry() }).requests.total).toBe(0);
    } finally {
      await served.close();
    }
  });
});

describe('options', () => {
  it.each([
    [{ maxRoutes: 0 }, /maxRoutes/],
    [{ maxRoutes: 1.5 }, /maxRoutes/],
    [{ slowSeconds: -1 }, /slowSeconds/],
    [{ slowSeconds: 2, verySlowSeconds: 1 }, /verySlowSeconds/],
    [{ buckets: [1, 0.5] }, /buckets/],
    [{ buckets: [] }, /buckets/],
    [{ slowRequests: 100_000 }, /slowRequests/],
    [{ service: '' }, /service/],
  ])('%j is refused with a message naming it', (options, message) => {
    expect(() => takeSnapshot({ registry: newRegistry(), ...options })).toThrow(message);
  });

  it('takes custom buckets', async () => {
    const registry = newRegistry();
    takeSnapshot({ registry, buckets: [0.1, 1] });
    const handler = wrapHandler((_req, res) => res.end(), { registry });
    const served = await serve(handler);
    try {
      await (await fetch(served.url)).text();
      await eventually(async () => {
        const les = [...(await series(registry, 'http_server_request_duration_seconds_bucket')).keys()].map(
          (k) => /le="([^"]+)"/.exec(k)![1],
        );
        expect(les).toEqual(['0.1', '1', '+Inf']);
      });
    } finally {
      await served.close();
    }
  });
});
