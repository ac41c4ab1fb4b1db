import type { RowDataPacket } from 'mysql2/promise';
import type { MigrationSession } from '../migrations/migration-runner.js';
import { quoteColumn } from '../shared/identifiers.js';
import { tick, type MyConnection } from './connection.js';

/**
 * MySQL commits DDL implicitly (capability transactionalDdl: false): a file runs
 * statement by statement and its version is recorded after it succeeded, so a
 * failure midway leaves the version unrecorded and says so.
 */
export function createMyMigrationSession(conn: MyConnection): MigrationSession {
  const columnExists = (table: string, column?: string) =>
    conn.withClient(async (client) => {
      const [rows] = await client.query<RowDataPacket[]>(
        column === undefined
          ? 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?'
          : 'SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?',
        column === undefined ? [table] : [table, column],
      );
      return rows.length > 0;
    });
  return {
    ensureTable: () =>
      conn.withClient(async (client) => {
        await client.query(
          'CREATE TABLE IF NOT EXISTS rewind_schema_migrations (version VARCHAR(64) PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)',
        );
      }),
    appliedVersions: async () => {
      if (!(await columnExists('rewind_schema_migrations'))) return [];
      return conn.withClient(async (client) =>
        (await client.query<RowDataPacket[]>('SELECT version FROM rewind_schema_migrations'))[0].map((r) =>
          String(r.version),
        ),
      );
    },
    apply: (sql, m) =>
      conn.withClient(async (client) => {
        try {
          await client.query(sql);
        } catch (error) {
          (error as Error).message =
            `migration ${m.version}_${m.name} (${m.direction}) failed; MySQL DDL is not transactional, statements before the failing one stay applied: ${(error as Error).message}`;
          throw error;
        }
        if (m.direction === 'up')
          await client.query('INSERT INTO rewind_schema_migrations (version, name) VALUES (?, ?)', [m.version, m.name]);
        else await client.query('DELETE FROM rewind_schema_migrations WHERE version = ?', [m.version]);
      }),
    async tableHasRows(table) {
      if (!(await columnExists(table))) return null;
      return conn.withClient(
        async (client) => (await client.query<RowDataPacket[]>(`SELECT 1 FROM ${tick(table)} LIMIT 1`))[0].length > 0,
      );
    },
    async columnHasValues(table, column) {
      if (!(await columnExists(table, column))) return null;
      return conn.withClient(
        async (client) =>
          (
            await client.query<RowDataPacket[]>(
              `SELECT 1 FROM ${tick(table)} WHERE ${quoteColumn(column, '`')} IS NOT NULL LIMIT 1`,
            )
          )[0].length > 0,
      );
    },
  };
}
