import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { inject } from 'light-my-request';
import { createCollectors } from '../../src/collectors';
import { configSchema } from '../../src/config/schema';
import { createApp } from '../../src/http/app';
import { silentLogger } from '../../src/log/logger';
import { ProcessMetrics } from '../../src/metrics/process';
import { ScrapeRunner } from '../../src/runner/runner';
import { promtoolCheckMetrics } from '../harness/exporter';
import { startPostgres, type PostgresServer } from '../harness/postgres';
import { tempDir, waitFor } from '../harness/process';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../harness/s3';

/** One /metrics answer with the PostgreSQL, S3, local storage and probe collectors all on. */
let pg: PostgresServer;
let s3: S3Server;
let health: http.Server;
const tmp = tempDir('fullscrape');

beforeAll(async () => {
  [pg, s3] = await Promise.all([startPostgres(), startS3(['files'])]);
  await pg.sql("CREATE TABLE jobs (status text); INSERT INTO jobs VALUES ('done'), ('done'), ('failed')");
  s3.seed('files', [
    { key: 'a/1', body: 'abc' },
    { key: 'b/2', body: 'de' },
  ]);
  mkdirSync(path.join(tmp.dir, 'uploads/x'), { recursive: true });
  writeFileSync(path.join(tmp.dir, 'uploads/x/f'), 'hello');
  health = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
}, 60_000);

afterAll(async () => {
  health?.close();
  await Promise.all([pg?.stop(), s3?.stop()]);
  tmp.remove();
});

test('a full scrape with every collector of this set on is lint-clean (promtool check metrics prints nothing)', async () => {
  const config = configSchema.parse({
    postgres: { url: pg.url },
    storage: {
      path: path.join(tmp.dir, 'uploads'),
      s3: { bucket: 'files', endpoint: s3.endpoint, forcePathStyle: true },
    },
    collectors: {
      host: { enabled: false },
      postgres: {
        queries: [
          {
            name: 'jobs',
            sql: 'SELECT status, count(*) AS jobs FROM jobs GROUP BY status',
            labels: ['status'],
            metrics: [{ column: 'jobs', name: 'app_jobs', help: 'Jobs by status.' }],
          },
        ],
      },
      probes: { targets: [{ name: 'api', url: `http://127.0.0.1:${(health.address() as AddressInfo).port}/health` }] },
    },
  });
  const { enabled } = createCollectors(config, silentLogger);
  expect(enabled.map((e) => e.collector.name)).toEqual(['postgres', 's3', 'localstorage', 'probes']);
  const runner = new ScrapeRunner(enabled, silentLogger);
  const app = createApp({
    config,
    runner,
    build: { version: '0.0.0', revision: 'test', nodejs: process.version },
    log: silentLogger,
    collectorNames: enabled.map((e) => e.collector.name),
    extraFamilies: [new ProcessMetrics()],
  });
  const handler = app.callback();
  try {
    let body = '';
    // The first scrape starts the background listing and walk; a later one shows their figures.
    await waitFor(
      'cached figures published',
      async () => {
        body = (await inject(handler, { url: '/metrics' })).body;
        return body.includes('s3_objects{') && body.includes('localstorage_files ');
      },
      20_000,
      100,
    );
    for (const up of ['pg_up 1', 's3_up 1', 'localstorage_up 1', 'probes_up 1']) expect(body).toContain(up);
    expect(body).toContain('app_jobs{status="done"} 2');
    expect(body).toContain('s3_objects{bucket="files",prefix=""} 2');
    expect(body).toContain('localstorage_files 1');
    expect(body).toContain('probe_success{target="api"} 1');
    expect(promtoolCheckMetrics(body)).toBe('');
  } finally {
    await runner.close();
  }
});
