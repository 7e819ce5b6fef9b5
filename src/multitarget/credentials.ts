import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Logger } from '../log/logger';
import { registerSecret } from '../log/redact';

/**
 * Per-target credentials for /probe: a YAML (or JSON) file mapping `host:port` or `host` to
 * `{username, password}`. Read at startup (a bad file stops startup, exit 2) and again when its
 * modification time, size or inode changes (checked at most once a second, when a target is
 * looked up), so rotating a password needs no restart. A changed file that does not parse is
 * logged and the previous credentials stay in use.
 */

export interface Credentials {
  readonly username?: string;
  readonly password?: string;
}

/** Bounds: a credentials file is a list of hosts, not a data set. */
const MAX_FILE_BYTES = 1_000_000;
const MAX_ENTRIES = 10_000;
const RECHECK_MS = 1000;

const fileSchema = z
  .record(
    z.string().min(1).max(300),
    z
      .object({ username: z.string().min(1).max(256).optional(), password: z.string().min(1).max(4096).optional() })
      .strict(),
  )
  .refine((r) => Object.keys(r).length <= MAX_ENTRIES, `at most ${MAX_ENTRIES} hosts`);

type Entries = ReadonlyMap<string, Credentials>;

/** The entries, or why the file cannot be used (no value from it is ever quoted: it holds passwords). */
function readEntries(file: string): Entries | string {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_FILE_BYTES) return `larger than ${MAX_FILE_BYTES} bytes`;
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    return `cannot read (${(err as NodeJS.ErrnoException).code ?? 'not UTF-8'})`;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false, maxAliasCount: 10 });
  } catch {
    return 'YAML syntax error';
  }
  const parsed = fileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${issue.path.length ? `${issue.path.map(String).join('.').slice(0, 80)}: ` : ''}${issue.message}`;
  }
  const entries = new Map<string, Credentials>();
  for (const [key, value] of Object.entries(parsed.data)) {
    registerSecret(value.password);
    entries.set(key.toLowerCase(), value);
  }
  return entries;
}

export class CredentialsFile {
  private entries: Entries;
  private stamp: string;
  private checkedAt = 0;

  /** Throws a message naming the problem when the file cannot be used at startup. */
  constructor(
    readonly file: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.stamp = this.currentStamp();
    const entries = readEntries(file);
    if (typeof entries === 'string') throw new Error(entries);
    this.entries = entries;
    this.checkedAt = now();
  }

  /** Credentials for `host:port`, else for `host`, else none. IPv6 hosts are written `[::1]:6379`. */
  lookup(host: string, port: number): Credentials | undefined {
    this.refresh();
    const name = host.includes(':') ? `[${host}]` : host;
    return this.entries.get(`${name}:${port}`) ?? this.entries.get(name);
  }

  private currentStamp(): string {
    try {
      const s = statSync(this.file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  private refresh(): void {
    if (this.now() - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = this.now();
    const stamp = this.currentStamp();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    const entries = readEntries(this.file);
    if (typeof entries === 'string') {
      this.log.warn('credentials file changed but cannot be used; keeping the previous credentials', {
        file: this.file,
        problem: entries,
      });
      return;
    }
    this.entries = entries;
    this.log.info('credentials file re-read', { file: this.file, hosts: entries.size });
  }
}
