/**
 * The hello-world app of bench/instrument.ts: `node bench/lib/instrument-app.cjs <koa|express> <variant>`
 * with variant bare | empty (one middleware doing nothing) | ours | ours-no-id (requestIdHeader off) |
 * prom-bundle (Express) | otel | mounted (bare, empty and ours in one process, see mountedKoa). Listens on a free port of 127.0.0.1 and
 * prints `{"port":N}`. Every variant answers GET /users/:id with a short JSON body and serves its
 * metrics on GET /metrics; GET /_memory answers process.memoryUsage() after a full GC when the
 * process runs with --expose-gc. Plain CommonJS: OpenTelemetry's instrumentation patches `http`
 * through require hooks, which must be in place before the framework is loaded.
 */
'use strict';
const path = require('node:path');

const [framework, variant] = process.argv.slice(2);
const ROOT = path.join(__dirname, '..', '..');

function otel() {
  // Metrics only, as the comparison is about metrics: no tracer provider (spans are no-ops).
  process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'http';
  const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
  const { MeterProvider } = require('@opentelemetry/sdk-metrics');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()], meterProvider });
  return (req, res) => exporter.getMetricsRequestHandler(req, res);
}

function memory(_req, res) {
  if (global.gc) global.gc();
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(process.memoryUsage()));
}

const otelMetrics = variant === 'otel' ? otel() : undefined;
const http = require('node:http');
const { register } = require('prom-client');
const promMetrics = async (_req, res) => {
  res.setHeader('content-type', register.contentType);
  res.end(await register.metrics());
};
const metrics = otelMetrics ?? promMetrics;

function koaApp() {
  const Koa = require('koa');
  const Router = require('@koa/router');
  const app = new Koa();
  if (variant === 'ours') app.use(require(path.join(ROOT, 'dist/instrument')).koaMiddleware());
  if (variant === 'ours-no-id')
    app.use(require(path.join(ROOT, 'dist/instrument')).koaMiddleware({ requestIdHeader: false }));
  // The framework's own cost of one more middleware, the floor for any middleware.
  if (variant === 'empty') app.use((_ctx, next) => next());
  const router = new Router();
  router.get('/users/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  router.get('/metrics', (ctx) => {
    ctx.respond = false;
    return metrics(ctx.req, ctx.res);
  });
  router.get('/_memory', (ctx) => {
    ctx.respond = false;
    memory(ctx.req, ctx.res);
  });
  app.use(router.routes());
  return app.callback();
}

function expressApp() {
  const express = require('express');
  const app = express();
  if (variant === 'ours') app.use(require(path.join(ROOT, 'dist/instrument')).expressMiddleware());
  if (variant === 'ours-no-id')
    app.use(require(path.join(ROOT, 'dist/instrument')).expressMiddleware({ requestIdHeader: false }));
  if (variant === 'empty') app.use((_req, _res, next) => next());
  if (variant === 'prom-bundle') {
    const promBundle = require('express-prom-bundle');
    app.use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true, autoregister: false }));
  }
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get('/metrics', metrics);
  app.get('/_memory', memory);
  return app;
}

/**
 * Variant `mounted`: bare, one empty middleware and this library side by side in one process, picked
 * by the path's first segment (/bare/users/:id, /empty/..., /ours/...) through the same dispatcher, so
 * bench/instrument-mounted.ts alternates between them with one JIT, heap and process.
 */
function mountedKoa() {
  const Koa = require('koa');
  const Router = require('@koa/router');
  const lib = require(path.join(ROOT, 'dist/instrument'));
  const stacks = {};
  for (const [name, mw] of [
    ['bare', undefined],
    ['empty', (_ctx, next) => next()],
    ['ours', lib.koaMiddleware()],
  ]) {
    const router = new Router({ prefix: `/${name}` });
    router.get('/users/:id', (ctx) => {
      ctx.body = { id: ctx.params.id };
    });
    const routes = router.routes();
    stacks[name] = mw ? (ctx, next) => mw(ctx, () => routes(ctx, next)) : routes;
  }
  const app = new Koa();
  app.use((ctx, next) => {
    const stack = stacks[ctx.path.split('/')[1]];
    return stack ? stack(ctx, next) : next();
  });
  return app.callback();
}

function mountedExpress() {
  const express = require('express');
  const lib = require(path.join(ROOT, 'dist/instrument'));
  const routers = {};
  for (const [name, mw] of [
    ['bare', undefined],
    ['empty', (_req, _res, next) => next()],
    ['ours', lib.expressMiddleware()],
  ]) {
    const router = express.Router();
    if (mw) router.use(mw);
    router.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    routers[name] = router;
  }
  const app = express();
  app.use((req, res, next) => {
    const name = req.url.split('/')[1];
    const router = routers[name];
    if (!router) return next();
    req.url = req.url.slice(name.length + 1);
    return router(req, res, next);
  });
  return app;
}

const handler =
  variant === 'mounted'
    ? framework === 'koa'
      ? mountedKoa()
      : mountedExpress()
    : framework === 'koa'
      ? koaApp()
      : expressApp();
const server = http.createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
