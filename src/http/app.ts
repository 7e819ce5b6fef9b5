import Koa from 'koa';
import Router from '@koa/router';
import type { Config } from '../config/schema';
import type { Logger } from '../log/logger';
import { AnswerTooLarge, contentTypeOf, negotiateFormat } from '../metrics/render';
import type { ScrapeRunner } from '../runner/runner';
import { SCRAPE_TIMEOUT_HEADER, scrapeBudgetMs } from '../runner/deadline';
import type { BuildInfo } from '../version';
import { expose, exposeTarget, type ExtraFamilies } from './exposition';
import { ProbeRefused, type MultiTarget } from '../multitarget/service';
import { landingPage } from './landing';
import { authMiddleware } from './security/auth';
import { bodyLimit, securityHeaders } from './security/limits';
import { Admission } from './admission';
import type { WebSecurity } from '../config/web-config';
import type { DashboardState } from '../dashboard/state';
import { dashboardRoutes } from './dashboard-routes';

export interface AppDeps {
  readonly config: Readonly<Config>;
  readonly runner: ScrapeRunner;
  readonly collectorNames: readonly string[];
  readonly build: BuildInfo;
  readonly log: Logger;
  /** Families rendered after the collectors' (prom-client's process metrics). */
  readonly extraFamilies?: readonly ExtraFamilies[];
  /** TLS, basic auth and bearer token settings; none when absent. */
  readonly security?: WebSecurity;
  /** /health/detailed, /dashboard and /dashboard/data; absent in tests that do not need them. */
  readonly dashboard?: DashboardState;
  /** GET /probe?target=...; absent (404) while multiTarget.allow is empty. */
  readonly multiTarget?: MultiTarget;
  /** Called once a /metrics or /probe answer has been sent (runner/gc-after-scrape.ts). */
  readonly scrapeDone?: () => void;
}

/** The Koa app; it never opens a port, so tests drive `app.callback()` directly. */
export function createApp(deps: AppDeps): Koa {
  const { config, runner, build, log } = deps;
  const app = new Koa();
  // Paths match exactly: `/metrics/` or `/METRICS` are 404, never a second way around a limit.
  const router = new Router({ strict: true, sensitive: true });
  const admission = new Admission(config.web.maxRequests);

  // Errors are handled here, once: logged redacted, answered without internals.
  app.use(async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (err) {
      log.error('request failed', { path: ctx.path, error: log.redactor.errorMessage(err) });
      const tooLarge = err instanceof AnswerTooLarge;
      ctx.status = tooLarge ? 503 : 500;
      ctx.type = 'text/plain';
      ctx.body = tooLarge ? 'answer over the size bound; see the log\n' : 'internal error\n';
    }
    log.debug('request', {
      method: ctx.method,
      path: ctx.path,
      status: ctx.status,
      ms: Math.round(performance.now() - started),
    });
  });
  const security: WebSecurity = deps.security ?? { users: new Map(), headers: {} };
  app.use(securityHeaders(security.headers, security.tls !== undefined));
  app.use(bodyLimit());
  app.use(authMiddleware(security));

  const deadlines = { defaultTimeoutMs: config.scrape.defaultTimeout, offsetMs: config.scrape.timeoutOffset };
  router.get('/metrics', admission.middleware, async (ctx) => {
    const budget = scrapeBudgetMs(ctx.get(SCRAPE_TIMEOUT_HEADER) || undefined, deadlines);
    const format = negotiateFormat(ctx.get('accept'));
    const collection = await runner.collect(budget);
    ctx.type = contentTypeOf(format);
    const answer = await expose(collection, runner.collectionCount, build, deps.extraFamilies ?? [], format);
    ctx.body = answer.body;
    // 'finish': the socket has taken every byte. An answer cut short ('close' alone) keeps its
    // buffer out of reuse, as the socket may still hold it.
    ctx.res.once('finish', () => {
      answer.sent();
      deps.scrapeDone?.();
    });
  });

  const multiTarget = deps.multiTarget;
  if (multiTarget) {
    // Its own bound: a Prometheus scraping many targets of one exporter must not starve /metrics.
    const probeAdmission = new Admission(config.multiTarget.maxRequests, '/probe');
    router.get('/probe', probeAdmission.middleware, async (ctx) => {
      const budget = scrapeBudgetMs(ctx.get(SCRAPE_TIMEOUT_HEADER) || undefined, deadlines);
      const format = negotiateFormat(ctx.get('accept'));
      let collection;
      try {
        collection = await multiTarget.probe({ target: ctx.query.target, module: ctx.query.module }, budget);
      } catch (err) {
        if (!(err instanceof ProbeRefused)) throw err;
        ctx.status = 400;
        ctx.type = 'text/plain';
        ctx.body = `${err.message}\n`;
        return;
      }
      ctx.type = contentTypeOf(format);
      ctx.body = await exposeTarget(collection, format);
      if (deps.scrapeDone) ctx.res.once('finish', deps.scrapeDone);
    });
  }

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = landingPage(build, deps.collectorNames, runner.latest());
  });

  if (deps.dashboard)
    dashboardRoutes(router, deps.dashboard, () => scrapeBudgetMs(undefined, deadlines), admission.middleware);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
