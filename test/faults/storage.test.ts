import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../harness/process';
import { FaultExporter, faultCase, success, type Scrape } from './support';

/**
 * The storage folder removed or made unreadable, through the whole exporter. As root the
 * exporter runs as `nobody`: root reads any folder whatever its mode, so `chmod 000` would
 * prove nothing (see test/harness/privileges.ts). The collector reports the folder, it does not
 * fail: localstorage_up 0 with jobstack_exporter_collector_success{collector="localstorage"} 1.
 */

const tmp = tempDir('faults-storage');
const uploads = path.join(tmp.dir, 'uploads');
let exporter: FaultExporter;

function asNobody(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  return {
    uid: Number(execFileSync('id', ['-u', 'nobody']).toString()),
    gid: Number(execFileSync('id', ['-g', 'nobody']).toString()),
  };
}

function createUploads(): void {
  mkdirSync(path.join(uploads, 'avatars'), { recursive: true });
  writeFileSync(path.join(uploads, 'avatars', 'a.png'), 'png');
  chmodSync(uploads, 0o755);
}

beforeAll(async () => {
  chmodSync(tmp.dir, 0o755);
  createUploads();
  exporter = await FaultExporter.start({ STORAGE_PATH: uploads }, [], asNobody());
}, 30_000);

afterAll(async () => {
  await exporter?.stop();
  tmp.remove();
});

const healthy = (s: Scrape) => {
  expect(s.samples.get('localstorage_up')).toBe(1);
  expect(s.samples.get('localstorage_filesystem_size_bytes')).toBeGreaterThan(0);
  expect(success(s, 'localstorage')).toBe(1);
  expect(success(s, 'host')).toBe(1);
};

const unusable = (s: Scrape) => {
  expect(s.samples.get('localstorage_up')).toBe(0);
  // Reported, not failed: the collector itself worked.
  expect(success(s, 'localstorage')).toBe(1);
  expect([...s.samples.keys()].filter((k) => k.startsWith('localstorage_'))).toEqual(['localstorage_up']);
  expect(success(s, 'host')).toBe(1);
};

test('the storage folder removed, then created again', async () => {
  await faultCase(exporter, {
    healthy,
    faulty: unusable,
    begin: () => rmSync(uploads, { recursive: true, force: true }),
    end: createUploads,
  });
  expect(exporter.log()).toMatch(/"msg":"storage path unusable".*ENOENT/);
});

test('the storage folder unreadable (chmod 000), then readable again', async () => {
  await faultCase(exporter, {
    healthy,
    faulty: unusable,
    begin: () => chmodSync(uploads, 0o000),
    end: () => chmodSync(uploads, 0o755),
  });
  expect(exporter.log()).toMatch(/"msg":"storage path unusable".*EACCES/);
  expect(exporter.log()).toContain('"msg":"storage path usable again"');
});

test('a missing storage folder shows as down with its cause on the landing page and in /health/detailed', async () => {
  rmSync(uploads, { recursive: true, force: true });
  try {
    unusable(await exporter.scrape());
    const landing = await (await fetch(`${exporter.process.url}/`)).text();
    expect(landing).toMatch(/<td>localstorage<\/td><td class="bad">down: storage path ENOENT/);
    const health = (await (await fetch(`${exporter.process.url}/health/detailed`)).json()) as {
      components: { name: string; status: string; error: string | null }[];
    };
    const storage = health.components.find((c) => c.name === 'storage')!;
    expect(storage.status).toBe('down');
    expect(storage.error).toMatch(/storage path ENOENT/);
  } finally {
    createUploads();
  }
});
