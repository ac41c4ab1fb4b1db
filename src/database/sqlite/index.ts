import { copyFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../../core/errors.js';
import type { BackupManifest, DatabaseAdapter } from '../../core/ports/database.js';
import { migrateDown, migrateUp, migrationStatus } from '../migrations/migration-runner.js';
import {
  assertChecks,
  checkFiles,
  readManifest,
  describeFiles,
  ensureEmptyDir,
  writeManifest,
} from '../shared/manifest.js';
import { createSqliteMigrationSession } from './migration-session.js';
import { sqliteDropScratchCopies, sqliteRestoreToScratch } from './scratch.js';
import { sqliteCount, sqliteTables, sqliteValidate } from './validate.js';

/** Options of {@link createSqliteAdapter}. */
export interface SqliteAdapterOptions {
  /** the database file */
  path: string;
  /** the logical name in the backup catalog; default: the file path */
  name?: string;
  /** migrations directory used by `status()`; default none */
  migrationsDir?: string;
}

const BACKUP_FILE = 'database.sqlite';

/**
 * The SQLite DatabaseAdapter: online backup API, restore by
 * swapping the file (the old file is kept beside it), validation with
 * `PRAGMA foreign_key_check` and `integrity_check`. No server, so no read-only
 * mode and no per-table restore (capabilities say so).
 */
export function createSqliteAdapter(options: SqliteAdapterOptions): DatabaseAdapter {
  let handle: Database.Database | null = null;
  const db = (): Database.Database => {
    if (!handle) {
      handle = new Database(options.path);
      handle.pragma('journal_mode = WAL');
      handle.pragma('foreign_keys = ON');
    }
    return handle;
  };
  const close = (): void => {
    if (!handle) return;
    handle.pragma('wal_checkpoint(TRUNCATE)');
    handle.close();
    handle = null;
  };
  const tables = sqliteTables;
  const count = sqliteCount;
  const session = createSqliteMigrationSession(db);

  return {
    engine: 'sqlite',
    name: options.name ?? options.path,
    capabilities: {
      parallelBackup: false,
      tableRestore: false,
      schemaBackup: true,
      readOnly: false,
      transactionalDdl: true,
    },

    async backup(backupOptions) {
      const startedAt = Date.now();
      if (backupOptions.kind === 'tables')
        throw new UserError(
          'NOT_SUPPORTED',
          'SQLite backups are whole-file (full) or schema-only; table backups are not supported',
        );
      await ensureEmptyDir(backupOptions.dir);
      const target = join(backupOptions.dir, BACKUP_FILE);
      const names = tables(db());
      let rowCounts: Record<string, number> = {};
      if (backupOptions.kind === 'full') {
        await db().backup(target);
        const copy = new Database(target, { readonly: true });
        rowCounts = Object.fromEntries(names.map((t) => [t, count(copy, t)]));
        copy.close();
      } else {
        const schema = db()
          .prepare(
            `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC, rowid`,
          )
          .all() as { sql: string }[];
        const copy = new Database(target);
        copy.exec(schema.map((s) => `${s.sql};`).join('\n'));
        copy.close();
      }
      const applied = names.includes('rewind_schema_migrations') ? await session.appliedVersions() : [];
      const manifest: BackupManifest = {
        engine: 'sqlite',
        engineVersion: (db().prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
        kind: backupOptions.kind,
        database: options.name ?? options.path,
        tables: names,
        rowCounts,
        files: await describeFiles(backupOptions.dir),
        startedAt,
        durationMs: Date.now() - startedAt,
        schemaVersion:
          backupOptions.schemaVersion !== undefined
            ? backupOptions.schemaVersion
            : (applied.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? null),
        guards: backupOptions.guards ?? null,
      };
      const { sha256, sizeBytes } = await writeManifest(backupOptions.dir, manifest);
      return { kind: manifest.kind, tables: names, path: backupOptions.dir, sizeBytes, sha256, manifest };
    },

    async verify(path, expectedSha256) {
      const { manifest, checks } = await checkFiles(path, expectedSha256);
      if (!manifest) return checks;
      try {
        const copy = new Database(join(path, BACKUP_FILE), { readonly: true, fileMustExist: true });
        const result = copy.pragma('integrity_check', { simple: true });
        copy.close();
        checks.push({ name: 'integrity_check', ok: result === 'ok', detail: String(result) });
      } catch (error) {
        checks.push({ name: 'integrity_check', ok: false, detail: (error as Error).message });
      }
      return checks;
    },

    /** Swaps the file: the current one is kept as `<path>.before-restore-<time>` (never deleted). */
    async restore(path, restoreOptions) {
      if (restoreOptions.tables?.length)
        throw new UserError('NOT_SUPPORTED', 'SQLite restores swap the whole file; per-table restore is not supported');
      const { checks } = await checkFiles(path);
      assertChecks(path, checks);
      close();
      const kept = `${options.path}.before-restore-${Date.now()}`;
      const staged = `${options.path}.restoring`;
      await copyFile(join(path, BACKUP_FILE), staged);
      const exists = await stat(options.path).then(
        () => true,
        () => false,
      );
      if (exists) await rename(options.path, kept);
      for (const side of ['-wal', '-shm']) await rename(`${options.path}${side}`, `${kept}${side}`).catch(() => {});
      await rename(staged, options.path);
      return `restored ${options.path} from ${path}${exists ? `; the previous file is kept at ${kept}` : ''}`;
    },

    async setReadOnly() {
      throw new UserError(
        'NOT_SUPPORTED',
        'SQLite has no server-wide read-only mode (capability readOnly is false); stop the writers instead',
      );
    },

    async status() {
      return {
        engine: 'sqlite',
        engineVersion: (db().prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
        connections: 1,
        maxConnections: 1,
        readOnly: false,
        migration: await migrationStatus(session, options.migrationsDir ?? null, { missingDir: 'report' }),
      };
    },

    migrationStatus: (dir) => migrationStatus(session, dir),
    migrateUp: (dir, toVersion) => migrateUp(session, dir, toVersion),
    migrateDown: (dir, toVersion, downOptions) => migrateDown(session, dir, toVersion, downOptions),

    validate: async (expected = {}) => sqliteValidate(db(), expected),

    async restoreToScratch(path, scratchOptions) {
      // the caller checked the checksums just before (verify): hashing every file twice doubles the cost
      const manifest = await readManifest(path);
      return sqliteRestoreToScratch(join(path, BACKUP_FILE), {
        database: options.path,
        manifest,
        queries: scratchOptions.queries ?? [],
      });
    },
    dropScratchCopies: () => sqliteDropScratchCopies(options.path),

    close: async () => close(),
  };
}
