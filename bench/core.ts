/**
 * Issue 2 figures: host collector time vs node_exporter's scrape on this machine, full scrape
 * latency of a zero-config exporter, and its RSS after 100 scrapes. Writes bench/RESULTS-core.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HostCollector } from '../src/collectors/host/collector';
import { configSchema } from '../src/config/schema';
import { silentLogger } from '../src/log/logger';
import { MetricBatch } from '../src/metrics/batch';
import { startExporter } from '../test/harness/exporter';
import { Child, freePort, waitFor } from '../test/harness/process';
import { which } from '../test/harness/debian';
import { machineNotes, ms, rssMb, summary, timeIt } from './lib/stats';

const N = 200;

async function main(): Promise<void> {
  const lines: string[] = [`# Core benchmarks`, '', `Machine: ${machineNotes()}`, ''];
  const host = new HostCollector(configSchema.parse({}).collectors.host);
  const collectOnce = () =>
    host.collect({
      out: new MetricBatch(),
      signal: new AbortController().signal,
      deadline: Date.now() + 5000,
      log: silentLogger(),
    });
  const inProcess = summary(await timeIt(N, collectOnce));

  const exporter = await startExporter();
  const ours = summary(await timeIt(N, () => exporter.scrape()));
  const rssBefore = rssMb(exporter.child.pid);
  for (let i = 0; i < 100; i++) await exporter.scrape();
  const rssAfter100 = rssMb(exporter.child.pid);
  const ourBytes = (await exporter.scrape()).length;
  await exporter.stop();

  lines.push('| what | p50 | p99 | mean |', '|---|---|---|---|');
  lines.push(
    `| host collector, in process (${N} runs) | ${ms(inProcess.p50)} | ${ms(inProcess.p99)} | ${ms(inProcess.mean)} |`,
  );
  lines.push(
    `| jobstack-exporter zero-config, full HTTP scrape (${N}) | ${ms(ours.p50)} | ${ms(ours.p99)} | ${ms(ours.mean)} |`,
  );

  let nodeNote = 'prometheus-node-exporter not installed: skipped';
  if (which('prometheus-node-exporter')) {
    const port = await freePort();
    const ne = Child.start('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`]);
    await waitFor('node_exporter', async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok);
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const theirs = summary(await timeIt(N, scrape));
    const neRss = rssMb(ne.pid);
    await ne.stop();
    lines.push(
      `| node_exporter (Debian), full HTTP scrape (${N}) | ${ms(theirs.p50)} | ${ms(theirs.p99)} | ${ms(theirs.mean)} |`,
    );
    nodeNote = `node_exporter RSS after ${N + 5} scrapes: ${neRss.toFixed(1)} MB`;
  }
  lines.push(
    '',
    `- jobstack-exporter RSS: ${rssBefore.toFixed(1)} MB after ${N + 5} scrapes, ${rssAfter100.toFixed(1)} MB after 100 more.`,
  );
  lines.push(`- ${nodeNote}.`, `- Exposition size (zero-config): ${(ourBytes / 1024).toFixed(1)} KB.`, '');
  const text = lines.join('\n');
  writeFileSync(path.join(__dirname, 'RESULTS-core.md'), text);
  process.stdout.write(text);
}

void main();
