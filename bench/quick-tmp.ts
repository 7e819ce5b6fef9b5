import { cpuSeconds, load, startApp } from './lib/instrument-bench';
async function main() {
  const fw = (process.argv[2] ?? 'express') as 'express' | 'koa';
  const variants = (process.argv[3] ?? 'bare,ours').split(',');
  const apps = await Promise.all(variants.map((v) => startApp(v, fw, v)));
  for (let r = 0; r < 4; r++) {
    const row: string[] = [];
    for (const app of apps) {
      await load(app.url, { connections: 10, duration: 1, distinctPaths: 5000 });
      const c0 = cpuSeconds(app.pid);
      const run = await load(app.url, { connections: 10, duration: 3, distinctPaths: 5000 });
      row.push(`${app.name} ${Math.round(run.rps)} rps ${(((cpuSeconds(app.pid) - c0) * 1e6) / run.requests).toFixed(1)}us`);
    }
    console.log(row.join(' | '));
  }
  for (const a of apps) await a.stop();
}
main();
