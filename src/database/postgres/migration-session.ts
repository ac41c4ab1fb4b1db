import type { MigrationSession } from '../migrations/migration-runner.js';
import { quoteColumn } from '../shared/identifiers.js';
import { tableRef } from './catalog.js';
import type { PgConnection } from './connection.js';

/**
 * PostgreSQL has transactional DDL: each migration file and its bookkeeping
 * row commit together or not at all.
 */
export function createPgMigrationSession(conn: PgConnection): MigrationSession {
  const exists = (name: string) =>
    conn.withClient(async (client) => (await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [tableRef(name).quoted])).rows[0]?.ok === true);
  return {
    ensureTable: () =>
      conn.withClient(async (client) => {
        await client.query(
          'CREATE TABLE IF NOT EXISTS public.rewind_schema_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
        );
      }),
    appliedVersions: () =>
      conn.withClient(async (client) => {
        const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('public.rewind_schema_migrations') IS NOT NULL AS ok`);
        if (!exists.rows[0]?.ok) return [];
        return (await client.query<{ version: string }>('SELECT version FROM public.rewind_schema_migrations')).rows.map((r) => r.version);
      }),
    apply: (sql, m) =>
      conn.withClient(async (client) => {
        await client.query('BEGIN');
        try {
          await client.query(sql);
          if (m.direction === 'up') await client.query('INSERT INTO public.rewind_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          else await client.query('DELETE FROM public.rewind_schema_migrations WHERE version = $1', [m.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          (error as Error).message = `migration ${m.version}_${m.name} (${m.direction}) failed, nothing of it was applied: ${(error as Error).message}`;
          throw error;
        }
      }),
    async tableHasRows(name) {
      if (!(await exists(name))) return null;
      return conn.withClient(async (client) => (await client.query(`SELECT 1 FROM ${tableRef(name).quoted} LIMIT 1`)).rowCount === 1);
    },
    async columnHasValues(name, column) {
      const t = tableRef(name);
      return conn.withClient(async (client) => {
        const col = await client.query(
          `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3`,
          [t.schema, t.table, column],
        );
        if (col.rowCount !== 1) return null;
        const { rowCount } = await client.query(`SELECT 1 FROM ${t.quoted} WHERE ${quoteColumn(column, '"')} IS NOT NULL LIMIT 1`);
        return rowCount === 1;
      });
    },
  };
}
