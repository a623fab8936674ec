// The PostgreSQL connection pool (node-postgres): timeouts on every query, one observation per call, clear errors.

import pg from 'pg';
import { ParleyError } from '../../domain/index.js';
import type { StoreObserver } from '../store-observer.js';

/** Where and how to connect; from `state.postgres` with the URL and CA already resolved. */
export interface PostgresOptions {
  url: string;
  /** Schema of Parley's tables (validated by config: lower-case identifier). */
  schema: string;
  /** Longest wait for a connection and for one query (client- and server-side). */
  queryTimeoutMs: number;
  poolSize: number;
  ssl?: { ca?: string; rejectUnauthorized: boolean };
  observer?: StoreObserver;
  /** Errors of idle connections (the server went away between queries). */
  onIdleError?: (error: Error) => void;
}

/** Runs queries inside a transaction. */
export type Query = <R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>;

/** SQLSTATE of a duplicate key. */
const UNIQUE_VIOLATION = '23505';

/** SQLSTATE classes that mean "the store is away or overloaded", not "the query is wrong". */
const UNAVAILABLE_CLASSES = ['08', '53', '57'];

/** True for connection failures, timeouts and server shutdowns: the store is away, not the request wrong. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.includes(code.slice(0, 2));
  return true; // network errors (ECONNREFUSED, ...), client-side timeouts, "Connection terminated"
}

/** Short, content-free reason for logs and errors. */
export function reasonOf(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  return [typeof e.code === 'string' ? e.code : undefined, typeof e.message === 'string' ? e.message : String(error)]
    .filter(Boolean)
    .join(': ');
}

/** Quotes an identifier that config has already restricted to `[a-z_][a-z0-9_]*`. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A pool with a timeout on everything: connecting, each query on the client (`query_timeout`) and on the
 * server (`statement_timeout`). A call that fails because PostgreSQL is away rejects with ParleyError
 * `store_unavailable` (503), never hangs; a wrong query rejects with the driver's error.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  /** The quoted schema, for table names: `${db.s}.audit_log`. */
  readonly s: string;
  private reachable?: boolean;

  constructor(readonly options: PostgresOptions) {
    this.s = quoteIdent(options.schema);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.queryTimeoutMs,
      query_timeout: options.queryTimeoutMs,
      statement_timeout: options.queryTimeoutMs,
      idle_in_transaction_session_timeout: Math.max(options.queryTimeoutMs * 5, 10_000),
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'parley',
      ...(options.ssl ? { ssl: { ca: options.ssl.ca, rejectUnauthorized: options.ssl.rejectUnauthorized } } : {}),
    });
    // Without a listener an idle connection's error (server restarted) would crash the process.
    this.pool.on('error', (error) => {
      this.mark(false, reasonOf(error));
      options.onIdleError?.(error);
    });
  }

  /** One query with its observation; `operation` names it in metrics (e.g. `keys.load`). */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    operation: string,
    sql: string,
    params?: unknown[],
  ): Promise<R[]> {
    return this.observed(operation, async () => (await this.pool.query<R>(sql, params)).rows);
  }

  /**
   * One statement that may break a unique constraint as a normal outcome (another replica got there first):
   * resolves to 'conflict' then, observed as a successful call, so store error metrics only count real failures.
   */
  async queryUnlessConflict<R extends pg.QueryResultRow = pg.QueryResultRow>(
    operation: string,
    sql: string,
    params?: unknown[],
  ): Promise<R[] | 'conflict'> {
    return this.observed(operation, async () => {
      try {
        return (await this.pool.query<R>(sql, params)).rows;
      } catch (error) {
        if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return 'conflict' as const;
        throw error;
      }
    });
  }

  /** Runs `work` in one transaction on one connection (rolled back if it throws). */
  async transaction<T>(operation: string, work: (query: Query) => Promise<T>): Promise<T> {
    return this.observed(operation, async () => {
      const client = await this.pool.connect();
      let broken = false;
      // A checked-out client has no pool listener: an error between two statements would otherwise crash the process.
      const onError = (): void => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(
          async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
            (await client.query<R>(sql, params)).rows,
        );
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = isUnavailable(error);
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async observed<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      this.options.observer?.observe('postgres', operation, (performance.now() - started) / 1000, true);
      this.mark(true);
      return result;
    } catch (error) {
      this.options.observer?.observe('postgres', operation, (performance.now() - started) / 1000, false);
      if (!isUnavailable(error)) throw error;
      this.mark(false, reasonOf(error));
      throw new ParleyError('store_unavailable', `PostgreSQL is unreachable (${reasonOf(error)}); retry shortly`, {
        cause: error,
      });
    }
  }

  private mark(reachable: boolean, reason?: string): void {
    if (this.reachable === reachable) return;
    this.reachable = reachable;
    this.options.observer?.reachability?.('postgres', reachable, reason);
  }
}
