import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { CopyResult } from '../../store/postgres/copy-from-sqlite.js';
import { copySqliteToPostgres } from '../../store/postgres/copy-from-sqlite.js';
import { createSqliteStore } from '../../store/sqlite/index.js';

export interface StoreMigrateRequest {
  /** `sqlite` (this project's state.db) or a path to a state.db */
  from: string;
  /** postgres://… */
  to: string;
  /** the PostgreSQL schema; default rewind */
  schema?: string;
}

/**
 * `rewind store migrate`: moves a project's history from SQLite to PostgreSQL
 * when it outgrows one host. Holds the state dir's controller lock while it
 * copies, so no controller writes to the source meanwhile.
 */
export async function migrateStore(
  loaded: LoadedConfig,
  request: StoreMigrateRequest,
): Promise<CopyResult & { from: string }> {
  const from = request.from === 'sqlite' ? join(loaded.stateDir, 'state.db') : resolve(request.from);
  if (!existsSync(from))
    throw new UserError('NOT_FOUND', `no SQLite store at ${from}`, { exitCode: ExitCode.usage, status: 404 });
  if (!/^postgres(ql)?:\/\//.test(request.to))
    throw new UserError('BAD_USAGE', '--to expects a postgres:// URL', { exitCode: ExitCode.usage });
  // opening it also brings the source to the newest store schema
  const source = createSqliteStore({ path: from });
  const release = source.holdHostLock?.();
  if (release === null) {
    await source.close();
    throw new UserError(
      'CONTROLLER_RUNNING',
      `a controller runs on ${from}; stop it before copying its store (nothing was copied)`,
      { exitCode: ExitCode.failed },
    );
  }
  try {
    return { from, ...(await copySqliteToPostgres(from, request.to, request.schema)) };
  } finally {
    release?.();
    await source.close();
  }
}
