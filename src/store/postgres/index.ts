import pg from 'pg';
import type { Fence } from '../../core/model.js';
import type { Store } from '../../core/ports/store.js';
import { STORE_WRITES } from '../../core/ports/store.js';
import { catalogQueries } from './catalog.js';
import type { Db } from './db.js';
import { poolDb } from './db.js';
import { eventQueries } from './events.js';
import { checkFence, leaseQueries } from './leases.js';
import { migratePostgres } from './migrations.js';
import { releaseQueries } from './releases.js';
import { rollbackQueries } from './rollbacks.js';
import { postgresSessionLocks } from './session-locks.js';
import { sessionQueries } from './sessions.js';
import { tokenQueries } from './tokens.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** the store's own schema in that database; default `rewind` */
  schema?: string;
  /** connections in the pool; default 10 */
  poolSize?: number;
  /**
   * the longest any store call may take before it fails (connecting and each
   * query); default 5 s. A controller passes less than its lease, so a database
   * that stops answering makes the leader stop acting before anyone takes over.
   */
  deadlineMs?: number;
}

type Queries = Omit<Store, 'kind' | 'fenced' | 'close' | 'holdHostLock' | 'sessionLocks'>;

const queries = (db: Db): Queries => {
  const { getById: _byId, ...releases } = releaseQueries(db);
  return {
    ...releases,
    ...rollbackQueries(db),
    ...eventQueries(db),
    ...catalogQueries(db),
    ...leaseQueries(db),
    ...tokenQueries(db),
    ...sessionQueries(db),
  };
};

/**
 * The store for several controllers: PostgreSQL through a pool, in its own schema
 * with numbered migrations (run once, under an advisory lock, before the first
 * query). The constraints SQLite has are here too, enforced by the database: one
 * active rollback and one live release per service and environment, append-only
 * events. Leadership is a lease row whose token fences every write.
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const schema = options.schema ?? 'rewind';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const deadlineMs = options.deadlineMs ?? 5_000;
  const connection = {
    connectionString: options.url,
    connectionTimeoutMillis: deadlineMs,
    query_timeout: deadlineMs,
    // A controller frozen inside a transaction (SIGSTOP, a VM pause) would hold the
    // lease row's lock and keep every other controller from taking over: the
    // database ends such a session after 2 s, well inside the lease.
    options: `-c search_path=${schema} -c idle_in_transaction_session_timeout=2000 -c statement_timeout=${deadlineMs}`,
  };
  const pool = new pg.Pool({ ...connection, max: options.poolSize ?? 10 });
  // Leadership has connections of its own: a renewal queued behind a thousand
  // watched releases' reads would let the lease lapse while the leader is healthy.
  const leasePool = new pg.Pool({ ...connection, max: 2 });
  // a dropped idle connection is not a crash: the next query reconnects or fails on its own
  pool.on('error', () => undefined);
  leasePool.on('error', () => undefined);
  const sessionLocks = postgresSessionLocks(connection, schema);
  const db = poolDb(pool);
  let migrated: Promise<unknown> | null = null;
  const ready = () => {
    migrated ??= migratePostgres(pool, schema).catch((error: unknown) => {
      migrated = null;
      throw error;
    });
    return migrated;
  };
  const whenReady = <S extends object>(impl: S): S =>
    Object.fromEntries(
      Object.entries(impl).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          await ready();
          return (fn as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as S;

  const fencedStore = (fence: Fence): Store => {
    const view: Store = { ...store, fence, fenced: fencedStore };
    for (const name of STORE_WRITES) {
      (view as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
        await ready();
        return db.tx(async (tx) => {
          await checkFence(tx, fence);
          return (queries(tx)[name] as (...a: unknown[]) => Promise<unknown>)(...args);
        });
      };
    }
    return view;
  };
  let closed = false;
  const store: Store = {
    kind: 'postgres',
    ...whenReady(queries(db)),
    ...whenReady(leaseQueries(poolDb(leasePool))),
    fenced: fencedStore,
    sessionLocks,
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([sessionLocks.close(), pool.end(), leasePool.end()]);
    },
  };
  return store;
}

export { migratePostgres } from './migrations.js';
