import type { Collection } from '../runner/runner';
import type { BuildInfo } from '../version';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page at `/`: what is running and how each collector did last time. */
export function landingPage(
  build: BuildInfo,
  collectorNames: readonly string[],
  latest: Collection | undefined,
): string {
  const rows = collectorNames.map((name) => {
    const o = latest?.outcomes.find((x) => x.name === name);
    const status = !o
      ? 'not run yet'
      : !o.success
        ? `failed: ${o.error ?? ''}`
        : o.dependencyDown
          ? `down: ${o.dependencyDown}`
          : 'ok';
    const good = o?.success === true && o.dependencyDown === undefined;
    const took = o ? `${(o.durationSeconds * 1000).toFixed(1)} ms` : '';
    const when = o ? new Date(o.finishedAt).toISOString() : '';
    return `<tr><td>${escapeHtml(name)}</td><td class="${good ? 'ok' : 'bad'}">${escapeHtml(status)}</td><td>${took}</td><td>${when}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>jobstack-exporter</title>
<style>body{font:14px/1.5 ui-monospace,monospace;background:#111;color:#ddd;margin:2em}a{color:#6cf}
table{border-collapse:collapse}td,th{padding:.2em 1em;border-bottom:1px solid #333;text-align:left}.ok{color:#5d5}.bad{color:#f66}</style>
</head><body>
<h1>jobstack-exporter ${escapeHtml(build.version)}</h1>
<p>revision ${escapeHtml(build.revision)}, Node.js ${escapeHtml(build.nodejs)}</p>
<ul><li><a href="metrics">/metrics</a></li><li><a href="dashboard">/dashboard</a> (live view)</li><li><a href="dashboard/data">/dashboard/data</a></li><li><a href="health">/health</a></li><li><a href="health/detailed">/health/detailed</a></li></ul>
<h2>Collectors</h2>
<table><thead><tr><th>collector</th><th>last outcome</th><th>took</th><th>at</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</body></html>
`;
}
