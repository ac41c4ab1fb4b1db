import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../../core/ports/store.js';
import { approvalQueries } from './approvals.js';
import { catalogQueries } from './catalog.js';
import { configFileQueries } from './config-files.js';
import { eventQueries } from './events.js';
import { fencedSqliteStore, leaseQueries } from './leases.js';
import { migrate } from './migrations.js';
import { releaseQueries } from './releases.js';
import { rollbackQueries } from './rollbacks.js';
import { sessionQueries } from './sessions.js';
import { tokenQueries } from './tokens.js';

export interface SqliteStoreOptions {
  /** file path of the database, usually `<stateDir>/state.db`; `:memory:` for tests */
  path: string;
  /** how long a writer waits for another process's lock; default 5000 ms */
  busyTimeoutMs?: number;
}

/**
 * The embedded store: SQLite in WAL mode, so the controller and an in-process CLI
 * can share one state.db. Every write is a single statement or one transaction.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  let closed = false;
  const store: Store = {
    kind: 'sqlite',
    ...releaseQueries(db),
    ...rollbackQueries(db),
    ...eventQueries(db),
    ...approvalQueries(db),
    ...catalogQueries(db),
    ...tokenQueries(db),
    ...sessionQueries(db),
    ...configFileQueries(db),
    ...leaseQueries(db),
    fenced: (fence) => fencedSqliteStore(store, db, fence),
    ...(options.path === ':memory:' ? {} : { holdHostLock: () => holdFileLock(`${options.path}.lock`) }),
    close: async () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
  return store;
}

/** An exclusive SQLite lock on a side file: held until released or the process dies. */
function holdFileLock(path: string): (() => void) | null {
  const lock = new Database(path, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return null;
    throw error;
  }
  return () => lock.close();
}
