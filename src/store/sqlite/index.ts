import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../../core/ports/store.js';
import { approvalQueries } from './approvals.js';
import { catalogQueries } from './catalog.js';
import { configFileQueries } from './config-files.js';
import { eventQueries } from './events.js';
import { migrate } from './migrations.js';
import { releaseQueries } from './releases.js';
import { rollbackQueries } from './rollbacks.js';
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
  return {
    kind: 'sqlite',
    ...releaseQueries(db),
    ...rollbackQueries(db),
    ...eventQueries(db),
    ...approvalQueries(db),
    ...catalogQueries(db),
    ...tokenQueries(db),
    ...configFileQueries(db),
    close: async () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
