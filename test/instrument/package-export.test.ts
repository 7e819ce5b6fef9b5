import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The library as an app installs it: a project folder with `node_modules/jobstack-exporter` pointing
 * at this package's build (`npm test` builds first). Loading it must pull in prom-client and nothing
 * heavy, and TypeScript must find its types through package.json `exports`.
 */
const ROOT = path.join(__dirname, '..', '..');
const HEAVY = [
  'koa',
  '@koa/router',
  'ioredis',
  'pg',
  'bullmq',
  '@aws-sdk',
  'systeminformation',
  'zod',
  'yaml',
  'bcryptjs',
];

describe('jobstack-exporter/instrument as installed', () => {
  let app: string;

  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'dist/instrument/index.js')))
      throw new Error('dist/ is missing: run npm run build (npm test does)');
    app = mkdtempSync(path.join(os.tmpdir(), 'instrument-consumer-'));
    mkdirSync(path.join(app, 'node_modules'));
    symlinkSync(ROOT, path.join(app, 'node_modules', 'jobstack-exporter'), 'dir');
    // Any Node app has @types/node; the library's declarations use node:http's types.
    mkdirSync(path.join(app, 'node_modules', '@types'));
    symlinkSync(
      path.join(ROOT, 'node_modules', '@types', 'node'),
      path.join(app, 'node_modules', '@types', 'node'),
      'dir',
    );
    writeFileSync(path.join(app, 'package.json'), '{"name":"consumer","private":true}');
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('loads prom-client and none of the exporter or its heavy dependencies', () => {
    const script = `
      const i = require('jobstack-exporter/instrument');
      const loaded = Object.keys(require.cache);
      process.stdout.write(JSON.stringify({ exports: Object.keys(i), loaded }));`;
    const { exports, loaded } = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' }),
    ) as { exports: string[]; loaded: string[] };
    expect(exports).toEqual(
      expect.arrayContaining([
        'koaMiddleware',
        'expressMiddleware',
        'fastifyPlugin',
        'wrapHandler',
        'watchWebSocketServer',
        'snapshotHandler',
      ]),
    );
    const real = (p: string) => p.replace(/\\/g, '/');
    expect(loaded.some((p) => real(p).includes('/node_modules/prom-client/'))).toBe(true);
    for (const name of HEAVY) expect(loaded.filter((p) => real(p).includes(`/node_modules/${name}/`))).toEqual([]);
    // Of the exporter itself, only the library and the metric definition helper it shares.
    const own = loaded
      .filter((p) => real(p).startsWith(real(path.join(ROOT, 'dist')) + '/'))
      .map((p) => path.relative(path.join(ROOT, 'dist'), p));
    expect(own.filter((p) => !p.startsWith('instrument/'))).toEqual(['metrics/define.js']);
  });

  it('gives TypeScript its types through package.json exports', () => {
    writeFileSync(
      path.join(app, 'app.ts'),
      `import { koaMiddleware, snapshotHandler, type AppSnapshot, type InstrumentOptions } from 'jobstack-exporter/instrument';
       const options: InstrumentOptions = { maxRoutes: 50 };
       const middleware: (ctx: never, next: () => Promise<unknown>) => Promise<void> = koaMiddleware(options);
       const handler = snapshotHandler();
       const version: AppSnapshot['version'] = 1;
       // @ts-expect-error an unknown option is a type error
       koaMiddleware({ maxRoute: 5 });
       export { middleware, handler, version };`,
    );
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          noEmit: true,
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['app.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' }),
    ).not.toThrow();
  });
});
