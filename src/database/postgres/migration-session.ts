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
    conn.withClient(
      async (client) =>
        (await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [tableRef(name).quoted]))
          .rows[0]?.ok === true,
    );
  /** the name as written, else folded to lower case as PostgreSQL does with unquoted names */
  const resolve = async (name: string): Promise<string | null> => {
    for (const candidate of [name, name.toLowerCase()]) if (await exists(candidate)) return candidate;
    return null;
  };
  return {
    ensureTable: () =>
      conn.withClient(async (client) => {
        await client.query(
          'CREATE TABLE IF NOT EXISTS public.rewind_schema_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
        );
      }),
    appliedVersions: () =>
      conn.withClient(async (client) => {
        const exists = await client.query<{ ok: boolean }>(
          `SELECT to_regclass('public.rewind_schema_migrations') IS NOT NULL AS ok`,
        );
        if (!exists.rows[0]?.ok) return [];
        return (
          await client.query<{ version: string }>('SELECT version FROM public.rewind_schema_migrations')
        ).rows.map((r) => r.version);
      }),
    apply: (sql, m) =>
      conn.withClient(async (client) => {
        await client.query('BEGIN');
        try {
          await client.query(sql);
          if (m.direction === 'up')
            await client.query('INSERT INTO public.rewind_schema_migrations (version, name) VALUES ($1, $2)', [
              m.version,
              m.name,
            ]);
          else await client.query('DELETE FROM public.rewind_schema_migrations WHERE version = $1', [m.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          (error as Error).message =
            `migration ${m.version}_${m.name} (${m.direction}) failed, nothing of it was applied: ${(error as Error).message}`;
          throw error;
        }
      }),
    async tableHasRows(name) {
      const table = await resolve(name);
      if (!table) return null;
      return conn.withClient(
        async (client) => (await client.query(`SELECT 1 FROM ${tableRef(table).quoted} LIMIT 1`)).rowCount === 1,
      );
    },
    async columnHasValues(name, column) {
      const table = await resolve(name);
      if (!table) return null;
      const t = tableRef(table);
      return conn.withClient(async (client) => {
        // unquoted identifiers fold to lower case in PostgreSQL; an exact match wins
        const { rows } = await client.query<{ c: string }>(
          `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name IN ($3::text, lower($3::text)) ORDER BY column_name = $3::text DESC`,
          [t.schema, t.table, column],
        );
        const found = rows[0]?.c;
        if (found === undefined) return null;
        const { rowCount } = await client.query(
          `SELECT 1 FROM ${t.quoted} WHERE ${quoteColumn(found, '"')} IS NOT NULL LIMIT 1`,
        );
        return rowCount === 1;
      });
    },
  };
}
