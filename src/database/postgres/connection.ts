import pg from 'pg';
import { UserError } from '../../core/errors.js';
import { createRedactor, redactUrl, type Redactor } from '../shared/redact.js';

/**
 * One PostgreSQL connection's settings, shared by the pg client and the
 * pg_dump/pg_restore/psql binaries. The password reaches the binaries through
 * PGPASSWORD in their environment, never on the command line (visible in ps).
 */
export interface PgConnection {
  url: string;
  database: string;
  /** environment for the client binaries */
  env: Record<string, string>;
  redact: Redactor;
  /** a connected client of Rewind's own; the caller ends it */
  connect(): Promise<pg.Client>;
  /** runs `fn` with a fresh client and always ends it; errors come out redacted */
  withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>;
}

/**
 * Rewind's own sessions ignore the database's read-only default: the restore
 * runs while the database is read-only for everyone else.
 */
const OWN_SESSION_OPTIONS = '-c default_transaction_read_only=off -c statement_timeout=0';

export function createPgConnection(url: string, extraRedact?: (text: string) => string): PgConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError('BAD_DATABASE_URL', 'database url is not a valid postgres:// URL');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new UserError(
      'BAD_DATABASE_URL',
      `database url ${redactUrl(url)} must start with postgres:// or postgresql://`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  const own = createRedactor(url);
  // the app's redactor (every secret of the config) runs after the connection's own
  const redact: Redactor = extraRedact ? (text) => extraRedact(own(text)) : own;
  const env: Record<string, string> = {
    PGHOST: parsed.searchParams.get('host') ?? (decodeURIComponent(parsed.hostname) || 'localhost'),
    PGPORT: parsed.port || '5432',
    PGDATABASE: database,
    PGUSER: decodeURIComponent(parsed.username) || 'postgres',
    PGOPTIONS: OWN_SESSION_OPTIONS,
    PGAPPNAME: 'rewind',
  };
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url, options: OWN_SESSION_OPTIONS, application_name: 'rewind' });
    // a dropped connection (e.g. terminated by setReadOnly) must not crash the process
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      throw new UserError(
        'DB_CONNECT_FAILED',
        `cannot connect to ${redactUrl(url)}: ${redact((error as Error).message)}`,
      );
    }
    return client;
  };
  return {
    url,
    database,
    env,
    redact,
    connect,
    async withClient(fn) {
      const client = await connect();
      try {
        return await fn(client);
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError('DB_QUERY_FAILED', `${database}: ${redact((error as Error).message)}`, {
          cause: undefined,
        });
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

/** Quotes an identifier part for PostgreSQL. */
export const ident = (name: string): string => `"${name.split('"').join('""')}"`;

/** A literal for the few places a value must be inlined (DO blocks). */
export const literal = (value: string): string => `'${value.split("'").join("''")}'`;
