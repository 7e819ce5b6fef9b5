import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { sleep, waitFor } from '../harness/process';
import {
  activeHandles,
  CONTRACT_TIMEOUT_S,
  FaultExporter,
  faultCase,
  REPEAT_TIMEOUT_S,
  HANDLE_SLACK,
  success,
  type Scrape,
} from './support';

/**
 * Network faults through the whole exporter: every dependency on a host name that does not
 * resolve, and a probe target that accepts the connection and never answers.
 */

describe('every dependency on a name that does not resolve', () => {
  let exporter: FaultExporter;

  beforeAll(async () => {
    exporter = await FaultExporter.start({
      REDIS_URL: 'redis://nonexistent.invalid:6379',
      DATABASE_URL: 'postgres://exporter:dns-case-Password@nonexistent.invalid:5432/jobs',
      S3_BUCKET: 'uploads',
      S3_ENDPOINT: 'http://nonexistent.invalid:9000',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'AKIAFAULTMATRIX',
      AWS_SECRET_ACCESS_KEY: 'dns-case-aws-secret',
      PROBE_TARGETS: 'api=http://nonexistent.invalid/health',
    });
  }, 30_000);
  afterAll(() => exporter?.stop());

  const unresolved = (s: Scrape) => {
    for (const [up, collector] of [
      ['redis_up', 'redis'],
      ['bullmq_up', 'bullmq'],
      ['pg_up', 'postgres'],
      ['s3_up', 's3'],
    ] as const) {
      expect(s.samples.get(up)).toBe(0);
      expect(success(s, collector)).toBe(0);
    }
    // A target that cannot be reached is the probe's answer, not the collector's failure.
    expect(s.samples.get('probe_success{target="api"}')).toBe(0);
    expect(s.samples.get('probe_http_status_code{target="api"}')).toBe(0);
    expect(success(s, 'probes')).toBe(1);
    expect(success(s, 'host')).toBe(1);
  };

  test('every collector reports its dependency down in time; nothing accumulates over repeated scrapes', async () => {
    const first = await exporter.scrape(CONTRACT_TIMEOUT_S);
    expect(first.status).toBe(200);
    expect(first.ms).toBeLessThan(CONTRACT_TIMEOUT_S * 1000);
    unresolved(first);
    let last = first;
    for (let i = 0; i < 4; i++) {
      // Past the Redis client's one-attempt-per-second gate, so every scrape resolves again.
      await sleep(1100);
      last = await exporter.scrape(REPEAT_TIMEOUT_S);
      expect(last.ms).toBeLessThan(REPEAT_TIMEOUT_S * 1000);
      unresolved(last);
    }
    expect(activeHandles(last)).toBeLessThanOrEqual(activeHandles(first) + HANDLE_SLACK);
    expect(exporter.log()).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(exporter.log()).not.toContain('dns-case-Password');
    expect(exporter.log()).not.toContain('dns-case-aws-secret');
    exporter.expectAlive();
  });
});

describe('a probe target that accepts the connection and never answers', () => {
  let exporter: FaultExporter;
  let hang = false;
  /** Connections the target holds open; the exporter must close each one it gave up on. */
  const open = new Set<net.Socket>();
  const target = net.createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', () => {
      if (!hang) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
  const other = http.createServer((_req, res) => res.end('ok'));

  beforeAll(async () => {
    await Promise.all([
      new Promise<void>((r) => target.listen(0, '127.0.0.1', r)),
      new Promise<void>((r) => other.listen(0, '127.0.0.1', r)),
    ]);
    const port = (s: net.Server) => (s.address() as AddressInfo).port;
    exporter = await FaultExporter.start({
      PROBE_TARGETS: `app=http://127.0.0.1:${port(target)}/health,other=http://127.0.0.1:${port(other)}/health`,
    });
  }, 30_000);
  afterAll(async () => {
    await exporter?.stop();
    target.close();
    other.close();
    for (const socket of open) socket.destroy();
  });

  const healthy = (s: Scrape) => {
    expect(s.samples.get('probe_success{target="app"}')).toBe(1);
    expect(s.samples.get('probe_success{target="other"}')).toBe(1);
    expect(s.samples.get('probes_up')).toBe(1);
    expect(success(s, 'probes')).toBe(1);
  };

  test('the probe fails at the deadline, the other target is unaffected, connections are closed, recovery', async () => {
    await faultCase(exporter, {
      healthy,
      faulty: (s) => {
        expect(s.samples.get('probe_success{target="app"}')).toBe(0);
        expect(s.samples.get('probe_http_status_code{target="app"}')).toBe(0);
        expect(s.samples.get('probe_success{target="other"}')).toBe(1);
        expect(s.samples.get('probes_up')).toBe(1);
        expect(success(s, 'probes')).toBe(1);
      },
      begin: () => {
        hang = true;
      },
      end: async () => {
        await waitFor('hung connections closed by the exporter', () => open.size === 0, 2000, 20);
        hang = false;
      },
    });
  });
});
