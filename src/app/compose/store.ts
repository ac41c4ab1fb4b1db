import { join } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { Store } from '../../core/ports/store.js';
import { createPostgresStore } from '../../store/postgres/index.js';
import { createSqliteStore } from '../../store/sqlite/index.js';

/** The store of `controller.store`: SQLite in the state dir by default, PostgreSQL for several controllers. */
export function openStore(loaded: LoadedConfig): Store {
  const { store } = loaded.config.controller;
  if (store.type === 'postgres') {
    if (!store.url)
      throw new UserError('BAD_CONFIG', `${loaded.file}: controller.store.url: expected a postgres:// URL`, {
        exitCode: ExitCode.usage,
      });
    // half the lease: a database that stops answering fails the call while the leader can still step down in time
    const deadlineMs = Math.max(500, Math.floor(parseDuration(loaded.config.controller.leaseDuration) / 2));
    return createPostgresStore({ url: store.url, deadlineMs, ...(store.schema ? { schema: store.schema } : {}) });
  }
  return createSqliteStore({ path: join(loaded.stateDir, 'state.db') });
}
