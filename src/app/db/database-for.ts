import { resolve } from 'node:path';
import type { DatabaseConfig } from '../../config/schema/index.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { DatabaseAdapter } from '../../core/ports/database.js';
import type { AppContext } from '../context.js';
import type { DbDeps, DbEvent } from './deps.js';

/** A configured database, ready for the use cases of this folder. */
export interface DatabaseHandle {
  /** the key under `databases` (also the catalog's `database`) */
  name: string;
  config: DatabaseConfig;
  adapter: DatabaseAdapter;
  /** absolute migrations directory (`migrations.dir`, default ./migrations, relative to rewind.yaml) */
  migrationsDir: string;
  /** absolute backup directory (`backups.dir`, relative to rewind.yaml) */
  backupDir: string;
  /** use-case dependencies; `emit` gets progress lines, `actor` is who asked */
  deps(options?: { emit?: (event: DbEvent) => void; actor?: string }): DbDeps;
}

const handles = new WeakMap<object, Map<string, DatabaseHandle>>();

/** The database to act on: the one named, or the only one declared (`--db`). */
export function resolveDatabaseName(ctx: AppContext, name?: string): string {
  const declared = Object.keys(ctx.loaded.config.databases);
  if (name !== undefined) {
    if (!declared.includes(name)) {
      throw new UserError(
        'UNKNOWN_DATABASE',
        `unknown database "${name}" (${ctx.loaded.file} declares: ${declared.join(', ') || 'none'})`,
        { status: 400, exitCode: ExitCode.usage },
      );
    }
    return name;
  }
  if (declared.length === 1) return declared[0] as string;
  if (declared.length === 0)
    throw new UserError('NO_DATABASE', `${ctx.loaded.file} declares no databases — add one under \`databases:\``, {
      exitCode: ExitCode.usage,
    });
  throw new UserError(
    'DATABASE_REQUIRED',
    `${ctx.loaded.file} declares several databases (${declared.join(', ')}); pick one with --db`,
    { exitCode: ExitCode.usage },
  );
}

/**
 * The handle (once per context) of a configured database; its adapter comes from
 * the composition root with the app's redactor, so no configured secret reaches
 * an error or an event. The adapter is closed with the context.
 */
export function databaseFor(ctx: AppContext, name?: string): DatabaseHandle {
  const key = resolveDatabaseName(ctx, name);
  let byName = handles.get(ctx.root);
  if (!byName) {
    byName = new Map();
    handles.set(ctx.root, byName);
  }
  const existing = byName.get(key);
  if (existing) return existing;
  const config = ctx.loaded.config.databases[key] as DatabaseConfig;
  const migrations = config.migrations;
  const migrationsDir = resolve(
    ctx.loaded.baseDir,
    migrations && migrations.tool !== 'command' ? migrations.dir : './migrations',
  );
  const backupDir = resolve(ctx.loaded.baseDir, config.backups.dir, key);
  const adapter = ctx.adapters.database(key, migrationsDir);
  const offsite = ctx.adapters.backupStore?.(key) ?? null;
  ctx.cleanup.push(() => adapter.close());
  const handle: DatabaseHandle = {
    name: key,
    config,
    adapter,
    migrationsDir,
    backupDir,
    deps: (options = {}) => ({
      adapter,
      clock: ctx.clock,
      dir: backupDir,
      offsite,
      // audit events go through the app's emit: redacted, and seen by SSE and notifications
      store: {
        addBackup: (b) => ctx.store.addBackup(b),
        getBackup: (id) => ctx.store.getBackup(id),
        listBackups: (q) => ctx.store.listBackups(q),
        deleteBackup: (id) => ctx.store.deleteBackup(id),
        setBackupManifest: (id, manifest) => ctx.store.setBackupManifest(id, manifest),
        appendEvent: (event) => ctx.emit(event),
      },
      ...(options.emit
        ? { emit: (event: DbEvent) => options.emit?.({ ...event, message: ctx.redact(event.message) }) }
        : {}),
      ...(options.actor ? { actor: options.actor } : {}),
    }),
  };
  byName.set(key, handle);
  return handle;
}
