// A small instrumented Koa API for the compose `demo` profile (and the API panel test): a few
// routes with realistic latency and errors, a WebSocket route, the instrument registry on /metrics
// and the snapshot on /_jobstack. With DEMO_TRAFFIC=1 (the default) it also calls itself, so every
// panel of the "jobstack API" dashboard moves without anyone clicking.
'use strict';
const http = require('node:http');
const Koa = require('koa');
const Router = require('@koa/router');
const client = require('prom-client');
const { WebSocketServer, WebSocket } = require('ws');
const { koaMiddleware, snapshotHandler, watchWebSocketServer } = require('jobstack-exporter/instrument');

const port = Number(process.env.PORT || 3000);
const trafficPerSecond = Number(process.env.DEMO_TRAFFIC_RPS || 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const options = { registry: client.register, service: 'demo-api', slowSeconds: 0.5 };

const app = new Koa();
app.use(koaMiddleware(options));
const router = new Router();
router.get('/metrics', async (ctx) => {
  ctx.type = client.register.contentType;
  ctx.body = await client.register.metrics();
});
router.get('/_jobstack', snapshotHandler(options));
router.get('/orders/:id', async (ctx) => {
  await sleep(5 + Math.random() * 40);
  if (Math.random() < 0.02) ctx.throw(503, 'orders database busy');
  ctx.body = { id: ctx.params.id, status: 'shipped' };
});
router.post('/orders', async (ctx) => {
  await sleep(20 + Math.random() * 150);
  if (Math.random() < 0.05) throw new Error('payment provider timed out');
  ctx.status = 201;
  ctx.body = { id: Math.floor(Math.random() * 1e6) };
});
router.get('/reports/:id', async (ctx) => {
  // The slow one: an export that sometimes takes seconds.
  await sleep(200 + Math.random() * (Math.random() < 0.2 ? 2500 : 600));
  ctx.body = { report: ctx.params.id };
});
router.get('/search', async (ctx) => {
  await sleep(Math.random() * 300);
  ctx.body = { q: ctx.query.q, hits: [] };
});
app.use(router.routes()).use(router.allowedMethods());
app.on('error', () => {}); // expected demo failures; Koa's default logs every one

const server = http.createServer(app.callback());
const wss = new WebSocketServer({ server, path: '/ws' });
watchWebSocketServer(wss, options);
wss.on('connection', (socket) => {
  socket.on('message', (data) => socket.send(`echo ${data}`));
  const ticker = setInterval(
    () => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ at: Date.now() })),
    1000,
  );
  socket.on('close', () => clearInterval(ticker));
});

/** Requests and WebSocket sessions against itself, a mix of routes, some failing. */
function startTraffic(base) {
  const paths = [
    ['GET', () => `/orders/${Math.floor(Math.random() * 500)}`, 10],
    ['POST', () => '/orders', 3],
    ['GET', () => `/reports/${Math.floor(Math.random() * 20)}`, 1],
    ['GET', () => `/search?q=${Math.random().toString(36).slice(2, 6)}`, 4],
    ['GET', () => `/no/such/page/${Math.floor(Math.random() * 100)}`, 1],
  ];
  const weights = paths.reduce((a, p) => a + p[2], 0);
  const pick = () => {
    let r = Math.random() * weights;
    for (const p of paths) if ((r -= p[2]) < 0) return p;
    return paths[0];
  };
  setInterval(() => {
    const [method, path] = pick();
    fetch(base + path(), { method }).then(
      (res) => res.arrayBuffer(),
      () => {},
    );
  }, 1000 / trafficPerSecond).unref();
  const session = () => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws`);
    const talk = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('ping'), 700);
    socket.on('error', () => {});
    socket.on('close', () => clearInterval(talk));
    // Most sessions end politely, some just drop (close code 1006 on the server).
    setTimeout(
      () => (Math.random() < 0.7 ? socket.close(1000, 'bye') : socket.terminate()),
      2000 + Math.random() * 8000,
    );
  };
  for (let i = 0; i < 3; i++) session();
  setInterval(session, 1500).unref();
}

server.listen(port, () => {
  console.log(JSON.stringify({ msg: 'demo api listening', port }));
  if (process.env.DEMO_TRAFFIC !== '0') startTraffic(`http://127.0.0.1:${port}`);
});
const stop = () => {
  for (const socket of wss.clients) socket.terminate();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
