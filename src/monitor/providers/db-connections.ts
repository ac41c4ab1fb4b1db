/**
 * `dbConnectionsPercent`: client connections / max_connections of
 * the service's PostgreSQL database, in percent. One pooled connection is kept
 * open while the release is watched, so a busy database is not made busier by
 * the monitor. Other engines answer `inconclusive` with the reason.
 */
import pg from 'pg';
import type { SignalReading, SignalSource } from '../../core/ports/signal-source.js';

export interface DbConnectionsOptions {
  /** the database's name under `databases` */
  name: string;
  engine: string;
  url: string;
  redact: (text: string) => string;
  /** query timeout; default 2000 ms */
  timeoutMs?: number;
}

const QUERY = `SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::float8 AS used,
  current_setting('max_connections')::float8 AS max`;

export function createDbConnectionsSource(options: DbConnectionsOptions): SignalSource & { close(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? 2000;
  let pool: pg.Pool | null = null;
  return {
    name: `database:${options.name}`,
    metrics: ['dbConnectionsPercent'],
    async read(): Promise<SignalReading> {
      if (options.engine !== 'postgres')
        return {
          status: 'inconclusive',
          error: `dbConnectionsPercent needs a postgres database; ${options.name} is ${options.engine}`,
        };
      if (!pool) {
        pool = new pg.Pool({
          connectionString: options.url,
          max: 1,
          connectionTimeoutMillis: timeoutMs,
          statement_timeout: timeoutMs,
          idleTimeoutMillis: 30_000,
        });
        pool.on('error', () => undefined); // a dropped idle connection is retried on the next read
      }
      try {
        const result = await pool.query<{ used: number; max: number }>(QUERY);
        const row = result.rows[0];
        if (!row || !(row.max > 0)) return { status: 'no-data', samples: 0 };
        return { status: 'ok', value: (row.used / row.max) * 100, samples: 1 };
      } catch (error) {
        return {
          status: 'inconclusive',
          error: options.redact(`database ${options.name}: ${(error as Error).message}`),
        };
      }
    },
    async close() {
      const open = pool;
      pool = null;
      await open?.end().catch(() => undefined);
    },
  };
}
