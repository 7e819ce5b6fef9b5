import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../harness/process';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../harness/s3';
import { FaultExporter, faultCase, success, type Scrape } from './support';

/**
 * S3 faults through the whole exporter. Its endpoint is a small proxy in front of a real S3 API
 * (s3rver): it passes requests through, or answers 403 or 500 the way S3 does, or holds them
 * without answering (slow), or stops listening (endpoint down).
 */

type Mode = 'pass' | 'slow' | 403 | 500;
const BUCKET = 'uploads';

let s3: S3Server;
let exporter: FaultExporter;
let mode: Mode = 'pass';
let proxy: http.Server;
let proxyPort = 0;
/** Requests the proxy is holding (slow mode) right now. */
const held = new Set<http.ServerResponse>();

function s3Error(status: 403 | 500): string {
  const [code, message] =
    status === 403
      ? ['AccessDenied', 'Access Denied']
      : ['InternalError', 'We encountered an internal error. Please try again.'];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULT</RequestId></Error>`;
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (mode === 'slow') {
    held.add(res);
    res.on('close', () => held.delete(res));
    return;
  }
  if (mode !== 'pass') {
    res.writeHead(mode, { 'content-type': 'application/xml', 'x-amz-request-id': 'FAULT' });
    res.end(req.method === 'HEAD' ? undefined : s3Error(mode));
    return;
  }
  // Headers unchanged (Host included), so s3rver checks the signature the exporter computed.
  const upstream = http.request(
    { host: '127.0.0.1', port: s3.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

async function listen(port = 0): Promise<void> {
  proxy = http.createServer(handle);
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as AddressInfo).port;
}

async function closeProxy(): Promise<void> {
  const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
  proxy.closeAllConnections();
  await closed;
}

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  s3.seed(BUCKET, [{ key: 'a.txt', body: 'hello' }]);
  await listen();
  exporter = await FaultExporter.start({
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: `http://127.0.0.1:${proxyPort}`,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  });
}, 30_000);

afterAll(async () => {
  await exporter?.stop();
  if (proxy?.listening) await closeProxy();
  await s3?.stop();
});

const healthy = (s: Scrape) => {
  expect(s.samples.get('s3_up')).toBe(1);
  expect(success(s, 's3')).toBe(1);
  expect(success(s, 'host')).toBe(1);
};

const down = (s: Scrape) => {
  expect(s.samples.get('s3_up')).toBe(0);
  expect(success(s, 's3')).toBe(0);
  expect([...s.samples.keys()].filter((k) => k.startsWith('s3_'))).toEqual(['s3_up']);
  expect(success(s, 'host')).toBe(1);
};

test('S3 endpoint down (nothing listens), then back on the same port', async () => {
  await faultCase(exporter, { healthy, faulty: down, begin: closeProxy, end: () => listen(proxyPort) });
});

test.each([403, 500] as const)(
  'S3 answers %i: s3_up 0 with the status in the log, recovery when it answers again',
  async (status) => {
    await faultCase(exporter, {
      healthy,
      faulty: down,
      begin: () => {
        mode = status;
      },
      end: () => {
        mode = 'pass';
      },
    });
    expect(exporter.log()).toContain(`HeadBucket ${BUCKET}: HTTP ${status}`);
  },
);

test('S3 slow (accepts and never answers): each scrape gives up at its deadline and drops the request', async () => {
  await faultCase(exporter, {
    healthy,
    faulty: down,
    begin: () => {
      mode = 'slow';
    },
    end: async () => {
      // Every HeadBucket the exporter gave up on was closed by the exporter itself (the last
      // one's close may still be on its way).
      await waitFor('held requests closed by the exporter', () => held.size === 0, 2000, 20);
      mode = 'pass';
    },
  });
});
