import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Child } from '../../test/harness/process';
import { sleep, waitFor } from '../../test/harness/process';

/** Node flags that let `snapshot()` ask the exporter for a heap snapshot (no cost until asked). */
export const snapshotFlags = (dir: string) => ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];

export interface HeapSummary {
  /** Everything reachable after the full GC a snapshot starts with, MB. */
  readonly liveMb: number;
  /** Self size per object kind (constructor name, or the V8 node type), MB, largest first. */
  readonly byKind: [string, number, number][];
}

/** Asks `child` for a heap snapshot (SIGUSR2), waits for it, summarizes it and deletes the file. */
export async function snapshot(child: Child, dir: string): Promise<HeapSummary> {
  const before = new Set(readdirSync(dir));
  child.signal('SIGUSR2');
  let file = '';
  await waitFor(
    'heap snapshot',
    () => {
      file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)) ?? '';
      return file !== '';
    },
    120_000,
    200,
  );
  // The file is written in chunks: wait until it is complete JSON.
  let summary: HeapSummary | undefined;
  for (let i = 0; i < 600 && !summary; i++) {
    try {
      summary = summarize(readFileSync(path.join(dir, file), 'utf8'));
    } catch {
      await sleep(200);
    }
  }
  rmSync(path.join(dir, file), { force: true });
  if (!summary) throw new Error('heap snapshot never completed');
  return summary;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function summarize(text: string): HeapSummary {
  const snap = JSON.parse(text) as RawSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [width, typeAt, nameAt, sizeAt] = [
    fields.length,
    fields.indexOf('type'),
    fields.indexOf('name'),
    fields.indexOf('self_size'),
  ];
  const kinds = new Map<string, [number, number]>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const size = snap.nodes[i + sizeAt];
    total += size;
    const kind =
      type === 'object' || type === 'closure'
        ? `${type} ${snap.strings[snap.nodes[i + nameAt]].slice(0, 50)}`
        : `(${type})`;
    const k = kinds.get(kind) ?? [0, 0];
    k[0] += size;
    k[1]++;
    kinds.set(kind, k);
  }
  const byKind = [...kinds]
    .map(([kind, [size, count]]): [string, number, number] => [kind, size / 1048576, count])
    .sort((a, b) => b[1] - a[1]);
  return { liveMb: total / 1048576, byKind };
}
