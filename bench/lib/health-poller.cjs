/**
 * A /health poller in its own process (the abuse benchmark's attacking client must not delay the
 * measurement with its own event loop): `node health-poller.cjs <url> <intervalMs>`. Each probe is
 * a new connection, as an orchestrator's liveness probe is. On SIGTERM (or stdin closing) it prints
 * one JSON line: {"latencies":[ms...],"failures":N}.
 */
'use strict';
const http = require('node:http');

const [url, intervalArg] = process.argv.slice(2);
const interval = Number(intervalArg ?? 20);
const latencies = [];
let failures = 0;
let running = true;

function probe() {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(url, { agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - started);
        if (res.statusCode !== 200) failures++;
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      latencies.push(performance.now() - started);
      failures++;
      resolve();
    });
  });
}

async function loop() {
  while (running) {
    await probe();
    await new Promise((r) => setTimeout(r, interval));
  }
  process.stdout.write(`${JSON.stringify({ latencies, failures })}\n`, () => process.exit(0));
}

process.on('SIGTERM', () => (running = false));
process.stdin.on('end', () => (running = false));
process.stdin.resume();
void loop();
