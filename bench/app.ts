/**
 * Issue 13 figures for the exporter's `app` collector: what one scrape costs per instrumented app,
 * for a snapshot at the library's defaults (30 routes, 100 slow requests, 100 errors, 100
 * WebSocket events) and one at every bound of the contract (1,000 of each), and what a 50 MB
 * answer costs before it is cut at SNAPSHOT_LIMITS.bytes. The app is a node:http server in this
 * process answering a prepared buffer, so its own time is close to nothing; the collector runs
 * with the shipped defaults. Writes bench/RESULTS-app.md.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AppCollector } from '../src/collectors/app/collector';
import { appMetrics } from '../src/collectors/app/metrics';
import { configSchema } from '../src/config/schema';
import { SNAPSHOT_LIMITS, type AppSnapshot } from '../src/instrument/snapshot';
import { createLogger } from '../src/log/logger';
import { MetricBatch } from '../src/metrics/batch';
import { sampleSnapshot } from '../test/fixtures/app-snapshot';
import { median } from './lib/measure';
import { machineNotes } from './lib/stats';

const RUNS = Number(process.env.BENCH_APP_RUNS ?? 200);

function sized(routes: number, requests: number, events: number): AppSnapshot {
  const s = sampleSnapshot();
  const route = s.routes[0];
  const slow = s.slowRequests[0];
  return {
    ...s,
    routes: Array.from({ length: routes }, (_, i) => ({ ...route, route: `/resource-${i}/:id/${'x'.repeat(100)}` })),
    slowRequests: Array.from({ length: requests }, (_, i) => ({ ...slow, correlationId: `${i}-${'c'.repeat(60)}` })),
    recentErrors: Array.from({ length: requests }, (_, i) => ({
      ...slow,
      status: 500,
      correlationId: `${i}-${'e'.repeat(60)}`,
    })),
    websockets: {
      ...s.websockets,
      recentEvents: Array.from({ length: events }, (_, i) => ({
        time: Date.now() - i,
        type: 'close' as const,
        code: 1006,
        detail: 'd'.repeat(120),
      })),
    },
  };
}

async function measure(name: string, body: Buffer | 'stream'): Promise<string> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const server = http.createServer((_req, res) => {
    if (body !== 'stream') return res.end(body);
    let sent = 0;
    const pump = () => {
      while (sent < 50 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_jobstack`;
  const collector = new AppCollector(
    configSchema.parse({ collectors: { app: { targets: [{ name: 'api', url }] } } }).collectors.app,
  );
  const log = createLogger('error', () => {});
  const wall: number[] = [];
  const cpu: number[] = [];
  let up = -1;
  for (let i = 0; i < RUNS + 10; i++) {
    const out = new MetricBatch();
    const started = performance.now();
    const usage = process.cpuUsage();
    await collector.collect({ signal: new AbortController().signal, deadline: Date.now() + 9_500, out, log });
    const used = process.cpuUsage(usage);
    if (i < 10) continue; // warm-up
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
    up = out.get(appMetrics.up, { target: 'api' }) ?? -1;
  }
  server.closeAllConnections();
  server.close();
  const sortedWall = [...wall].sort((a, b) => a - b);
  const size = body === 'stream' ? '50 MiB (cut at 4 MiB)' : `${(body.length / 1024).toFixed(0)} KiB`;
  return `| ${name} | ${size} | ${up} | ${median(wall).toFixed(2)} | ${sortedWall[Math.floor(sortedWall.length * 0.99)].toFixed(2)} | ${median(cpu).toFixed(2)} |`;
}

async function main(): Promise<void> {
  const rows = [
    await measure(
      'library defaults (30 routes, 100 slow, 100 errors, 100 events)',
      Buffer.from(JSON.stringify(sized(30, 100, 100))),
    ),
    await measure(
      `every bound (${SNAPSHOT_LIMITS.routes} routes, ${SNAPSHOT_LIMITS.requests} slow, ${SNAPSHOT_LIMITS.requests} errors, ${SNAPSHOT_LIMITS.events} events)`,
      Buffer.from(JSON.stringify(sized(SNAPSHOT_LIMITS.routes, SNAPSHOT_LIMITS.requests, SNAPSHOT_LIMITS.events))),
    ),
    await measure('hostile: 50 MB answer', 'stream'),
  ];
  const text = [
    '# App collector: cost per instrumented app and scrape',
    '',
    `\`npx tsx bench/app.ts\` (${RUNS} collections each after 10 warm-up, one target, shipped defaults). ${machineNotes()}.`,
    'Wall time is fetch (loopback, fresh connection) + JSON parse + contract check + metrics; CPU is this process, the',
    "prepared answer's writing included (small). Shared machine: other engineers' work runs meanwhile.",
    '',
    '| snapshot | size | app_up | wall p50 ms | wall p99 ms | CPU p50 ms |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(path.join(__dirname, 'RESULTS-app.md'), text);
  console.log(text);
}

void main();
