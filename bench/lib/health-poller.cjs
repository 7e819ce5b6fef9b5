/**
 * A /health poller in its own process (the abuse benchmark's attacking client must not delay the
 * measurement with its own event loop): `node health-poller.cjs <url> <intervalMs>`. Each probe is
 * a new connection, as an orchestrator's liveness probe is. Prints `ready` once it polls; on
 * SIGTERM (or stdin closing) it prints one JSON line: {"latencies":[ms...],"failures":N,"errors":[...]}.
 */
'use strict';
const http = require('node:http');

const [url, intervalArg] = process.argv.slice(2);
const interval = Number(intervalArg ?? 20);
const latencies = [];
let failures = 0;
/** The first few failures' messages (status or error), to tell a refused probe from a slow one. */
const errors = [];
const failed = (why) => {
  failures++;
  if (errors.length < 5) errors.push(`${why} at ${Math.round(performance.now())} ms`);
};
let running = true;

function probe() {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(url, { agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - started);
        if (res.statusCode !== 200) failed(`HTTP ${res.statusCode}`);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      latencies.push(performance.now() - started);
      failed(err.message);
      resolve();
    });
  });
}

async function loop() {
  while (running) {
    await probe();
    await new Promise((r) => setTimeout(r, interval));
  }
  process.stdout.write(`${JSON.stringify({ latencies, failures, errors })}\n`, () => process.exit(0));
}

process.on('SIGTERM', () => (running = false));
process.stdin.on('end', () => (running = false));
process.stdin.resume();
process.stdout.write('ready\n');
void loop();
