import type Database from 'better-sqlite3';
import type { MigrationSession } from '../migrations/migration-runner.js';
import { quoteColumn, quoteName } from '../shared/identifiers.js';

/** SQLite DDL is transactional: each file and its version row commit together. */
export function createSqliteMigrationSession(db: () => Database.Database): MigrationSession {
  const tableExists = (table: string): boolean =>
    db().prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE`).get(table) !==
    undefined;
  return {
    ensureTable: async () => {
      db().exec(
        'CREATE TABLE IF NOT EXISTS rewind_schema_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
      );
    },
    appliedVersions: async () =>
      tableExists('rewind_schema_migrations')
        ? (db().prepare('SELECT version FROM rewind_schema_migrations').all() as { version: string }[]).map(
            (r) => r.version,
          )
        : [],
    apply: async (sql, m) => {
      const run = db().transaction(() => {
        db().exec(sql);
        if (m.direction === 'up')
          db()
            .prepare('INSERT INTO rewind_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(m.version, m.name, Date.now());
        else db().prepare('DELETE FROM rewind_schema_migrations WHERE version = ?').run(m.version);
      });
      try {
        run();
      } catch (error) {
        (error as Error).message =
          `migration ${m.version}_${m.name} (${m.direction}) failed, nothing of it was applied: ${(error as Error).message}`;
        throw error;
      }
    },
    tableHasRows: async (table) =>
      tableExists(table)
        ? db()
            .prepare(`SELECT 1 FROM ${quoteName(table, '"')} LIMIT 1`)
            .get() !== undefined
        : null,
    columnHasValues: async (table, column) => {
      if (!tableExists(table)) return null;
      const columns = db().prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
      // SQLite identifiers are case-insensitive
      if (!columns.some((c) => c.name.toLowerCase() === column.toLowerCase())) return null;
      return (
        db()
          .prepare(`SELECT 1 FROM ${quoteName(table, '"')} WHERE ${quoteColumn(column, '"')} IS NOT NULL LIMIT 1`)
          .get() !== undefined
      );
    },
  };
}
