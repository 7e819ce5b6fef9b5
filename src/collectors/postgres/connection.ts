import { DatabaseError, Pool, type PoolClient, type QueryConfig, type QueryResult } from 'pg';
import type { Logger } from '../../log/logger';
import { errorMessage } from '../../log/redact';
import { raceSignal, timedOut } from '../../runner/deadline';

/**
 * Connections under a deadline. The pool holds at most 2 connections, so a locked or slow
 * database can never make the exporter pile up sessions (postgres_exporter #1228): a scrape
 * that cannot get a connection in time fails instead of queueing another one. Every connection
 * is closed after its scrape, so each scrape proves a fresh login works (#1120) and no idle
 * session is held between scrapes.
 */

export const POOL_MAX = 2;
/** The exporter's sessions carry this name, so its own activity can be left out of the figures. */
export const APPLICATION_NAME = 'jobstack-exporter';

export interface PoolSettings {
  /** postgres:// URL; absent means libpq's PG* variables and defaults (localhost:5432). */
  readonly url?: string;
  /** Overrides any password in the URL. */
  readonly password?: string;
  /** Upper bound on opening a connection, whatever the deadline. */
  readonly connectTimeoutMs: number;
}

export function createPool(settings: PoolSettings, log: Logger): Pool {
  const pool = new Pool({
    connectionString: settings.url,
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    max: POOL_MAX,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 1000,
    allowExitOnIdle: true,
    application_name: APPLICATION_NAME,
  });
  // An idle client losing its connection is reported here; without a listener it would crash the process.
  pool.on('error', (err) => log.warn('postgres connection error', { error: errorMessage(err) }));
  return pool;
}

/** How long a statement may run and when the client gives up on it, from what is left of the deadline. */
export interface StatementBudget {
  /** Server side: SET LOCAL statement_timeout. */
  readonly statementMs: number;
  /** Client side (pg's query_timeout), a little later: for a server that cannot even cancel. */
  readonly clientMs: number;
}

/** Below this there is no point starting a statement. */
export const MIN_STATEMENT_MS = 10;

/**
 * The budget for one statement, capped by `capMs`; undefined when the deadline is too close.
 * `deadline` is the collector's own (the runner keeps its margin before it already).
 */
export function statementBudget(deadline: number, now: number, capMs = Infinity): StatementBudget | undefined {
  const remaining = deadline - now;
  // The server gives up first, so the client sees the server's own error rather than a cut socket.
  const grace = Math.min(200, Math.max(5, remaining * 0.2));
  const statementMs = Math.floor(Math.min(capMs, remaining - grace));
  if (statementMs < MIN_STATEMENT_MS) return undefined;
  return { statementMs, clientMs: Math.floor(Math.min(statementMs + grace, remaining)) };
}

/** A checked-out connection that is released (and closed) exactly once. */
export class Lease {
  private released = false;

  constructor(
    readonly client: PoolClient,
    /** Seconds it took to get the connection. */
    readonly connectSeconds: number,
    private readonly onClientError: (err: Error) => void,
  ) {
    client.on('error', onClientError);
  }

  /** Closes the connection: pg ends it, destroying the socket if a query is still running. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.client.release(true);
    this.client.off('error', this.onClientError);
  }
}

/**
 * Gets a connection before `signal` aborts, or throws. A connection that arrives after the caller
 * gave up is closed at once, so a late connect never leaks a session.
 */
export async function acquire(pool: Pool, signal: AbortSignal, log: Logger): Promise<Lease> {
  // Queueing behind connections an earlier scrape still waits for would only add more later.
  if (pool.totalCount >= POOL_MAX && pool.idleCount === 0)
    throw new Error('both connections still busy from an earlier scrape (database slow or unreachable)');
  const started = performance.now();
  const pending = pool.connect();
  try {
    const client = await raceSignal(
      pending,
      signal,
      () =>
        new Error(timedOut(signal) ? 'timed out connecting to PostgreSQL' : 'aborted while connecting to PostgreSQL'),
    );
    return new Lease(client, (performance.now() - started) / 1000, (err) =>
      log.warn('postgres connection lost', { error: errorMessage(err) }),
    );
  } catch (err) {
    pending.then(
      (late) => late.release(true),
      () => undefined,
    );
    throw err;
  }
}

/** pg's query config plus the two options its typings lack. */
export interface TimedQuery {
  readonly text: string;
  /** Client-side timeout: pg rejects and stops waiting; the caller must then close the connection. */
  readonly query_timeout: number;
  /** 'extended' allows exactly one statement, so configured SQL cannot smuggle in a second one. */
  readonly queryMode?: 'extended';
}

export async function runQuery(client: PoolClient, query: TimedQuery): Promise<QueryResult[]> {
  const result = (await client.query(query as QueryConfig)) as QueryResult | QueryResult[];
  return Array.isArray(result) ? result : [result];
}

/** Whether the connection can take another statement after this error (a server-side error can). */
export function connectionStillUsable(err: unknown): boolean {
  return err instanceof DatabaseError && err.severity !== 'FATAL' && err.severity !== 'PANIC';
}
