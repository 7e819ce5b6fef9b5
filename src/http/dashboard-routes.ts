import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import type Koa from 'koa';
import type { DashboardState } from '../dashboard/state';

/** The page's files (copied next to the compiled code by scripts/build.sh). */
const PAGE_DIR = path.join(__dirname, '../dashboard/page');
const PAGE_FILES = [
  ['index.html', 'text/html; charset=utf-8'],
  ['app.js', 'text/javascript; charset=utf-8'],
  ['app.css', 'text/css; charset=utf-8'],
] as const;

/** Reads the page's files once, when the routes are set up (never at import). */
function readAssets(): Readonly<Record<string, { type: string; body: Buffer }>> {
  return Object.fromEntries(
    PAGE_FILES.map(([file, type]) => [file, { type, body: readFileSync(path.join(PAGE_DIR, file)) }]),
  );
}

/**
 * /health/detailed, /dashboard/data and the built-in page. Both JSON endpoints read the latest
 * collection when it is fresh (see DashboardState), never a second set of queries.
 */
export function dashboardRoutes(
  router: Router,
  state: DashboardState,
  budgetMs: () => number,
  admission: Koa.Middleware,
): void {
  const assets = readAssets();
  router.get('/health/detailed', admission, async (ctx) => {
    const report = await state.health(budgetMs());
    ctx.status = report.status === 'down' ? 503 : 200;
    ctx.type = 'application/json';
    ctx.body = report.json;
  });
  router.get('/dashboard/data', admission, async (ctx) => {
    ctx.type = 'application/json';
    ctx.body = await state.dataJson(budgetMs());
  });
  router.get('/dashboard', (ctx) => {
    ctx.type = assets['index.html'].type;
    ctx.body = assets['index.html'].body;
  });
  router.get('/dashboard/', (ctx) => ctx.redirect('../dashboard'));
  for (const file of ['app.js', 'app.css']) {
    router.get(`/dashboard/${file}`, (ctx) => {
      ctx.type = assets[file].type;
      ctx.body = assets[file].body;
    });
  }
}
