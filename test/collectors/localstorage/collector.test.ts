import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalStorageCollector } from '../../../src/collectors/localstorage/collector';
import { localStorageMetrics as m } from '../../../src/collectors/localstorage/metrics';
import { walk } from '../../../src/collectors/localstorage/walk';
import { configSchema } from '../../../src/config/schema';
import { createLogger } from '../../../src/log/logger';
import { promtoolCheckMetrics } from '../../harness/exporter';
import { asUnprivileged } from '../../harness/privileges';
import { tempDir } from '../../harness/process';
import { renderBatch, runOnce } from '../../harness/collect';

const tmp = tempDir('storage');
// Traversable by `nobody` (asUnprivileged); mkdtemp makes it 0700.
chmodSync(tmp.dir, 0o755);
afterAll(() => tmp.remove());

const logLines: string[] = [];
const log = createLogger('debug', (l) => logLines.push(l));

/** Builds a tree from a map of relative path -> file size (a trailing / makes a directory). */
function tree(name: string, entries: Record<string, number>): string {
  const root = path.join(tmp.dir, name);
  mkdirSync(root, { recursive: true });
  for (const [rel, size] of Object.entries(entries)) {
    const full = path.join(root, rel);
    if (rel.endsWith('/')) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, Buffer.alloc(size, 1));
    }
  }
  return root;
}

function collector(storagePath: string, section: Record<string, unknown> = {}): LocalStorageCollector {
  const config = configSchema.parse({ storage: { path: storagePath }, collectors: { localstorage: section } });
  return new LocalStorageCollector(config.collectors.localstorage, config.storage.path, log);
}

const scrape = (c: LocalStorageCollector) => runOnce(c, 3000, { timeoutMs: 5000, log });

const never = new AbortController().signal;

describe('local storage collector', () => {
  test('nested tree: files and bytes counted, symlinks not followed, filesystem sizes, lint-clean', async () => {
    const root = tree('nested', {
      'a.bin': 10,
      'uploads/2026/01/x.pdf': 1000,
      'uploads/2026/01/y.pdf': 2000,
      'uploads/2026/02/z.pdf': 3,
      'empty/': 0,
      'deep/1/2/3/4/5/6/7/8/f': 7,
    });
    symlinkSync(path.join(root, 'uploads'), path.join(root, 'link-to-dir'));
    symlinkSync(path.join(root, 'a.bin'), path.join(root, 'link-to-file'));
    const c = collector(root);
    try {
      await c.refreshWalk();
      const o = await scrape(c);
      expect(o.success).toBe(true);
      expect(o.batch.get(m.up)).toBe(1);
      expect(o.batch.get(m.files)).toBe(5);
      expect(o.batch.get(m.filesSize)).toBe(10 + 1000 + 2000 + 3 + 7);
      expect(o.batch.get(m.walkErrors)).toBe(0);
      expect(o.batch.get(m.walkTruncated)).toBe(0);
      expect(o.batch.get(m.walkSuccess)).toBe(1);
      expect(o.batch.get(m.walkLastSuccess)!).toBeLessThanOrEqual(Date.now() / 1000);
      expect(o.batch.get(m.fsSize)!).toBeGreaterThan(0);
      expect(o.batch.get(m.fsAvail)!).toBeLessThanOrEqual(o.batch.get(m.fsFree)!);
      expect(m.files.help).toMatch(/Cached: counted by a background walk/);
      expect(promtoolCheckMetrics(renderBatch(o.batch))).toBe('');
    } finally {
      await c.close();
    }
  });

  test('the cap stops the walk with truncated set', async () => {
    const root = tree('many', Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`d${i % 5}/f${i}`, 1])));
    expect(await walk(root, 1000, never)).toEqual({ files: 50, bytes: 50, errors: 0, truncated: false });
    const capped = await walk(root, 20, never);
    expect(capped.truncated).toBe(true);
    expect(capped.files).toBeLessThan(20);
  });

  test('an unreadable subdirectory is counted as an error and skipped; the rest is counted', async () => {
    // Unreadable even to root: the walk runs with the effective uid `nobody` (see asUnprivileged).
    const root = tree('partly-unreadable', { 'ok/a': 5, 'secret/b': 100, 'secret/c': 100 });
    chmodSync(path.join(root, 'secret'), 0o000);
    try {
      expect(await asUnprivileged(() => walk(root, 1000, never))).toEqual({
        files: 1,
        bytes: 5,
        errors: 1,
        truncated: false,
      });
      // The same tree as root reads everything: the effective user is what matters.
      expect(await walk(root, 1000, never)).toMatchObject({ files: 3, errors: 0 });
    } finally {
      chmodSync(path.join(root, 'secret'), 0o755);
    }
  });

  test('an unreadable storage path: localstorage_up 0, reported not thrown', async () => {
    const root = tree('unreadable-root', { f: 1 });
    chmodSync(root, 0o000);
    const c = collector(root);
    try {
      const o = await asUnprivileged(() => scrape(c));
      expect(o.success).toBe(true);
      expect(o.batch.get(m.up)).toBe(0);
      expect(o.batch.families.has(m.fsSize.name)).toBe(false);
      expect(logLines.join('\n')).toMatch(/storage path unusable.*EACCES/);
    } finally {
      chmodSync(root, 0o755);
      await c.close();
    }
  });

  test('a path that is a file, not a directory: localstorage_up 0', async () => {
    const file = path.join(tmp.dir, 'just-a-file');
    writeFileSync(file, 'x');
    const c = collector(file);
    try {
      const o = await scrape(c);
      expect(o.batch.get(m.up)).toBe(0);
      expect(logLines.join('\n')).toMatch(/storage path unusable.*not a directory/);
    } finally {
      await c.close();
    }
  });

  test('path removed, then back: up 0 while gone (logged once), then 1 with a fresh walk', async () => {
    const root = tree('vanishing', { 'a/b': 3 });
    const c = collector(root);
    try {
      await c.refreshWalk();
      expect((await scrape(c)).batch.get(m.files)).toBe(1);
      rmSync(root, { recursive: true });
      logLines.length = 0;
      for (let i = 0; i < 3; i++) {
        const o = await scrape(c);
        expect(o.success).toBe(true);
        expect(o.batch.get(m.up)).toBe(0);
        expect(o.batch.families.has(m.files.name)).toBe(false);
      }
      expect(logLines.filter((l) => l.includes('storage path unusable'))).toHaveLength(1);
      expect(logLines.join('\n')).toMatch(/ENOENT/);
      await c.refreshWalk();
      expect(logLines.join('\n')).toMatch(/walk of .*vanishing failed.*ENOENT/);

      tree('vanishing', { 'a/b': 3, 'a/c': 4 });
      await c.refreshWalk();
      const back = await scrape(c);
      expect(back.batch.get(m.up)).toBe(1);
      expect(back.batch.get(m.files)).toBe(2);
      expect(logLines.join('\n')).toMatch(/storage path usable again/);
    } finally {
      await c.close();
    }
  });
});
