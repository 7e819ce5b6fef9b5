import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { promtoolCheckMetrics } from '../harness/exporter';
import type { AppSnapshot } from '../../src/instrument/snapshot';

/** A real server on a free port of 127.0.0.1. */
export interface Served {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  close(): Promise<void>;
}

export async function serve(handler: http.RequestListener): Promise<Served> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `count` GETs of `pathOf(i)`, `concurrency` at a time, over keep-alive connections. */
export async function hammer(
  base: string,
  count: number,
  pathOf: (i: number) => string,
  concurrency = 32,
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(base + pathOf(i));
      await res.arrayBuffer();
      statuses.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/**
 * A request the server holds until its client goes away: the handler calls `arrived()`, then
 * waits for `gone(res)`; `abortedGet` destroys the connection once the server has the request.
 * No timing guess, so a loaded machine cannot turn it into an answered request.
 */
export class HeldRequest {
  private open!: () => void;
  private readonly arrival = new Promise<void>((resolve) => (this.open = resolve));
  readonly arrived = () => this.open();
  readonly gone = (res: http.ServerResponse) =>
    new Promise<void>((resolve) => (res.destroyed ? resolve() : res.once('close', () => resolve())));

  abortedGet(port: number, path: string): Promise<void> {
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path, agent: false });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      void this.arrival.then(() => req.destroy());
    });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` passes (the response's close event lands a tick after the client sees it). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await sleep(20);
    }
  }
}

export const newRegistry = () => new Registry();

/** `name{labels} value` lines of the registry's exposition, as a map from series to value. */
export async function series(registry: Registry, name: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(name.length, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** Distinct values of one label among the series of `name`. */
export async function labelValues(registry: Registry, name: string, label: string): Promise<Set<string>> {
  const values = new Set<string>();
  const re = new RegExp(`${label}="((?:[^"\\\\]|\\\\.)*)"`);
  for (const key of (await series(registry, name)).keys()) {
    const m = re.exec(key);
    if (m) values.add(m[1]);
  }
  return values;
}

export async function count(
  registry: Registry,
  method: string,
  route: string,
  status: number | string,
): Promise<number> {
  const key = `{http_request_method="${method}",http_route="${route}",http_response_status_code="${status}"}`;
  return (await series(registry, 'http_server_request_duration_seconds_count')).get(key) ?? 0;
}

export async function lint(registry: Registry): Promise<string> {
  return promtoolCheckMetrics(await registry.metrics());
}

export async function getSnapshot(url: string): Promise<AppSnapshot> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`snapshot answered ${res.status}`);
  return (await res.json()) as AppSnapshot;
}
