import type { Pool, QueryResult } from 'pg';
import type { Collector, CollectContext } from '../types';
import type { Config } from '../../config/schema';
import type { PostgresCollectorConfig } from './config';
import type { Logger } from '../../log/logger';
import type { MetricBatch } from '../../metrics/batch';
import { errorMessage } from '../../log/redact';
import { untilDeadline } from '../../runner/deadline';
import { postgresMetrics as m } from './metrics';
import { serverResults, serverStatsSql, setServerStats } from './server-stats';
import { buildCustomQuery, mapRows, missingColumns, type CustomQuery } from './custom-rows';
import {
  Lease,
  acquire,
  connectionStillUsable,
  createPool,
  runQuery,
  statementBudget,
  type StatementBudget,
} from './connection';

/**
 * PostgreSQL server statistics and the application's own SQL metrics. Each scrape takes two
 * fresh connections at most (server statistics on one, custom queries in turn on the other),
 * runs every statement read-only under a statement_timeout inside the scrape deadline, and
 * closes them. A failing custom query reports pg_custom_query_success 0; the rest still report.
 */
export class PostgresCollector implements Collector {
  readonly name = 'postgres';
  readonly up = m.up;
  readonly queries: readonly CustomQuery[];
  private readonly pool: Pool;

  constructor(
    private readonly config: PostgresCollectorConfig,
    connection: Config['postgres'],
    private readonly log: Logger,
  ) {
    this.pool = createPool(
      { url: connection.url, password: connection.password, connectTimeoutMs: config.timeout },
      log,
    );
    this.queries = config.queries.map(buildCustomQuery);
  }

  /** Connections open or opening (for tests: a freed connection shows here as 0). */
  get connections(): number {
    return this.pool.totalCount;
  }

  async collect({ out, deadline, signal, log }: CollectContext): Promise<void> {
    const server = this.collectServer(out, deadline, signal);
    const custom = this.queries.length ? this.collectCustom(out, deadline, signal, log) : Promise.resolve();
    // Settle both before returning, so the runner never starts a scrape over a running one.
    const [serverResult] = await Promise.allSettled([server, custom]);
    if (serverResult.status === 'rejected') throw serverResult.reason;
  }

  private async collectServer(out: MetricBatch, deadline: number, signal: AbortSignal): Promise<void> {
    const lease = await acquire(this.pool, signal, this.log);
    const abort = () => lease.release();
    signal.addEventListener('abort', abort, { once: true });
    try {
      out.set(m.connectDuration, lease.connectSeconds);
      const budget = needBudget(deadline);
      const results = await runQuery(lease.client, {
        text: serverStatsSql(budget.statementMs),
        query_timeout: budget.clientMs,
      });
      setServerStats(out, serverResults(results));
    } finally {
      signal.removeEventListener('abort', abort);
      lease.release();
    }
  }

  /** Runs the custom queries in turn on one connection; a connection broken by one is replaced. */
  private async collectCustom(out: MetricBatch, deadline: number, signal: AbortSignal, log: Logger): Promise<void> {
    let lease: Lease | undefined;
    // One failed connect fails the remaining queries too, rather than trying again each time.
    let connectError: Error | undefined;
    const abort = () => lease?.release();
    signal.addEventListener('abort', abort, { once: true });
    try {
      for (const query of this.queries) {
        const labels = { query: query.config.name };
        const started = performance.now();
        try {
          if (signal.aborted) throw new Error('scrape deadline passed');
          // Connect first: the statement's budget is what is left after it.
          if (connectError) throw connectError;
          lease ??= await acquire(this.pool, signal, this.log).catch((err: unknown) => {
            throw (connectError = err instanceof Error ? err : new Error(String(err)));
          });
          const budget = needBudget(deadline, query.config.timeout);
          const result = await this.runCustom(lease, query.sql, budget);
          const mapped = mapRows(
            query,
            result.fields.map((f) => f.name),
            result.rows,
          );
          for (const s of mapped.samples) out.set(s.def, s.value, s.labels);
          out.set(m.queryRows, mapped.rows, labels);
          out.set(m.querySkippedValues, mapped.skipped, labels);
          out.set(m.querySuccess, 1, labels);
        } catch (err) {
          out.set(m.querySuccess, 0, labels);
          log.warn('custom query failed', { query: query.config.name, error: errorMessage(err) });
          if (lease && !connectionStillUsable(err)) {
            lease.release();
            lease = undefined;
          }
        }
        out.set(m.queryDuration, (performance.now() - started) / 1000, labels);
      }
    } finally {
      signal.removeEventListener('abort', abort);
      lease?.release();
    }
  }

  /** One statement in its own read-only transaction, rolled back after (it never writes anyway). */
  private async runCustom(lease: Lease, sql: string, budget: StatementBudget): Promise<QueryResult> {
    const client = lease.client;
    const rollback = () => runQuery(client, { text: 'ROLLBACK', query_timeout: budget.clientMs });
    await runQuery(client, {
      text: `BEGIN READ ONLY; SET LOCAL statement_timeout = ${budget.statementMs}`,
      query_timeout: budget.clientMs,
    });
    let result: QueryResult | undefined;
    try {
      [result] = await runQuery(client, { text: sql, queryMode: 'extended', query_timeout: budget.clientMs });
    } catch (err) {
      // After a client-side timeout the query may still run: ROLLBACK would queue behind it, so the
      // caller closes the connection instead.
      if (connectionStillUsable(err)) await rollback();
      throw err;
    }
    await rollback();
    return result;
  }

  /**
   * At startup, when the database answers: every custom query must return its configured
   * columns (checked with LIMIT 0, so nothing is read) and parse. Unreachable: skipped.
   */
  async validate(signal: AbortSignal): Promise<readonly string[]> {
    if (!this.queries.length) return [];
    const deadline = Date.now() + this.config.timeout;
    let lease: Lease;
    try {
      lease = await acquire(this.pool, untilDeadline(deadline, signal), this.log);
    } catch (err) {
      this.log.warn('custom queries not checked at startup: database unreachable', { error: errorMessage(err) });
      return [];
    }
    const problems: string[] = [];
    try {
      for (const [i, query] of this.queries.entries()) {
        const where = `collectors.postgres.queries.${i} (${query.config.name})`;
        const budget = statementBudget(deadline, Date.now());
        if (!budget) break;
        try {
          const result = await this.runCustom(lease, query.columnsSql, budget);
          const missing = missingColumns(
            query,
            result.fields.map((f) => f.name),
          );
          if (missing.length)
            problems.push(
              `${where}: result has no column ${missing.map((c) => `"${c}"`).join(', ')} (columns: ${result.fields.map((f) => f.name).join(', ')})`,
            );
        } catch (err) {
          // A syntax error is the config's fault; a missing table may just be a migration not yet run.
          if ((err as { code?: string }).code === '42601') problems.push(`${where}: ${errorMessage(err)}`);
          else
            this.log.warn('custom query failed its startup check', {
              query: query.config.name,
              error: errorMessage(err),
            });
          if (!connectionStillUsable(err)) break;
        }
      }
    } finally {
      lease.release();
    }
    return problems;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function needBudget(deadline: number, capMs?: number): StatementBudget {
  const budget = statementBudget(deadline, Date.now(), capMs);
  if (!budget) throw new Error('no time left before the scrape deadline');
  return budget;
}
