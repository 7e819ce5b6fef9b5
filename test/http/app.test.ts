import { inject } from 'light-my-request';
import type { Collector } from '../../src/collectors/types';
import { configSchema } from '../../src/config/schema';
import { createApp } from '../../src/http/app';
import { silentLogger } from '../../src/log/logger';
import { defineMetric } from '../../src/metrics/define';
import { ProcessMetrics } from '../../src/metrics/process';
import { ScrapeRunner } from '../../src/runner/runner';
import { promtoolCheckMetrics } from '../harness/exporter';

const up = defineMetric({ name: 'demo_up', help: 'Demo dependency reachable.', type: 'gauge', labels: [] });
const config = configSchema.parse({});
const build = { version: '9.9.9', revision: 'abc123', nodejs: process.version };

/** An app over collectors the test controls; `deadlines` records each collection's budget. */
function appWith(collectors: Collector[]) {
  const runner = new ScrapeRunner(
    collectors.map((collector) => ({ collector, timeoutMs: 30_000 })),
    silentLogger(),
  );
  const app = createApp({
    config,
    runner,
    build,
    log: silentLogger(),
    collectorNames: collectors.map((c) => c.name),
    extraFamilies: [new ProcessMetrics()],
  });
  return { runner, handler: app.callback() };
}

const ok: Collector = { name: 'ok', up, collect: async () => undefined };
const failing: Collector = { name: 'failing', collect: async () => Promise.reject(new Error('boom <script>')) };

describe('HTTP app (driven without a port)', () => {
  test('/metrics: Prometheus text with self, collector and process metrics, lint-clean', async () => {
    const { handler } = appWith([ok, failing]);
    const res = await inject(handler, { url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain('jobstack_exporter_build_info{version="9.9.9",revision="abc123"');
    expect(res.body).toContain('jobstack_exporter_collector_success{collector="ok"} 1');
    expect(res.body).toContain('jobstack_exporter_collector_success{collector="failing"} 0');
    expect(res.body).toContain('demo_up 1');
    expect(res.body).toContain('process_resident_memory_bytes');
    expect(res.body).not.toMatch(/nodejs_active_\w+_total/);
    expect(promtoolCheckMetrics(res.body)).toBe('');
  });

  test('/metrics: OpenMetrics when the scraper asks for it', async () => {
    const { handler } = appWith([ok]);
    const res = await inject(handler, {
      url: '/metrics',
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(res.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1.0.0/);
    expect(res.body).toContain('# TYPE jobstack_exporter_build info');
    expect(res.body.endsWith('# EOF\n')).toBe(true);
  });

  test('/metrics honours X-Prometheus-Scrape-Timeout-Seconds minus the offset', async () => {
    const hang: Collector = { name: 'hang', collect: () => new Promise(() => undefined) };
    const { handler } = appWith([hang]);
    const started = Date.now();
    const res = await inject(handler, { url: '/metrics', headers: { 'x-prometheus-scrape-timeout-seconds': '1' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('jobstack_exporter_collector_success{collector="hang"} 0');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('/ lists each collector with its last outcome, HTML-escaped', async () => {
    const { handler } = appWith([ok, failing]);
    expect((await inject(handler, { url: '/' })).body).toContain('not run yet');
    await inject(handler, { url: '/metrics' });
    const res = await inject(handler, { url: '/' });
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('jobstack-exporter 9.9.9');
    expect(res.body).toMatch(/<td>ok<\/td><td class="ok">ok<\/td>/);
    expect(res.body).toContain('failed: boom &#60;script&#62;');
    expect(res.body).toContain('href="metrics"');
  });

  test('/health answers 200; unknown paths 404; wrong methods 405', async () => {
    const { handler } = appWith([ok]);
    expect((await inject(handler, { url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await inject(handler, { url: '/nope' })).statusCode).toBe(404);
    expect((await inject(handler, { url: '/metrics', method: 'POST' })).statusCode).toBe(405);
  });
});
