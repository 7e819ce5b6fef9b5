import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { postgresBinDir } from './debian';
import { Child, freePort, tempDir, waitFor } from './process';

export interface PostgresServer {
  readonly port: number;
  /** Superuser URL (user postgres, password as given). */
  readonly url: string;
  readonly dataDir: string;
  /** Runs SQL as the superuser on a fresh connection. */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Stops the server, keeping its data (start again with `restart`). */
  halt(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Password for the `postgres` superuser; TCP logins then need it (scram-sha-256). */
  readonly password?: string;
  /** Start a streaming-replication standby of this server (pg_basebackup -R) instead of a new cluster. */
  readonly replicaOf?: PostgresServer;
}

/**
 * A throwaway PostgreSQL cluster (initdb + postgres) on a free port in a temp dir. PostgreSQL
 * refuses to run as root, so as root the cluster belongs to the `postgres` system user.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (apt-get install -y postgresql)');
  const port = await freePort();
  const tmp = tempDir('pg');
  const dataDir = path.join(tmp.dir, 'data');
  const socketDir = path.join(tmp.dir, 'sock');
  mkdirSync(socketDir);
  // As root, files and processes belong to the postgres system user (spawn's uid/gid options).
  const ids =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
        }
      : {};
  const own = (file: string) => ids.uid !== undefined && chownSync(file, ids.uid, ids.gid);
  own(tmp.dir);
  own(socketDir);
  const initArgs = ['-D', dataDir, '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'];
  if (options.password) {
    const pwFile = path.join(tmp.dir, 'pw');
    writeFileSync(pwFile, options.password, { mode: 0o600 });
    own(pwFile);
    initArgs.push('--pwfile', pwFile, '--auth-host=scram-sha-256', '--auth-local=trust');
  } else {
    initArgs.push('--auth=trust');
  }
  if (options.replicaOf) {
    const backupArgs = [
      '-h',
      '127.0.0.1',
      '-p',
      String(options.replicaOf.port),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ];
    const env = { ...process.env, ...(options.password ? { PGPASSWORD: options.password } : {}) };
    execFileSync(`${bin}/pg_basebackup`, backupArgs, { stdio: 'pipe', cwd: tmp.dir, env, ...ids });
  } else {
    execFileSync(`${bin}/initdb`, initArgs, { stdio: 'pipe', cwd: tmp.dir, ...ids });
  }

  let child: Child | undefined;
  const start = async () => {
    child = Child.start(
      `${bin}/postgres`,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        socketDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=40',
      ],
      { cwd: tmp.dir, ...ids },
    );
    const c = child;
    await waitFor(
      `postgres on ${port}`,
      async () => {
        if (!c.running) throw new Error(c.log());
        const client = new Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
        await client.connect();
        await client.end();
        return true;
      },
      30_000,
      200,
    );
  };
  await start();

  const auth = options.password ? `:${encodeURIComponent(options.password)}` : '';
  const server: PostgresServer = {
    port,
    url: `postgres://postgres${auth}@127.0.0.1:${port}/postgres`,
    dataDir,
    async sql(text, params) {
      const client = new Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
    // SIGINT is PostgreSQL's "fast shutdown": it disconnects clients instead of waiting for them.
    halt: async () => {
      child?.signal('SIGINT');
      await child?.exited;
    },
    restart: () => start(),
    stop: async () => {
      await server.halt();
      tmp.remove();
    },
  };
  return server;
}
