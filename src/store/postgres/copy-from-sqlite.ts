import Database from 'better-sqlite3';
import pg from 'pg';
import { UserError } from '../../core/errors.js';
import { migratePostgres } from './migrations.js';

export interface CopyResult {
  /** rows copied per table */
  tables: Record<string, number>;
  /** tables or columns only the SQLite store has, left behind */
  skipped: string[];
}

// bookkeeping that belongs to each store, never copied: leadership starts afresh
const OWN_TABLES = new Set(['rewind_store_migrations', 'leases', 'sqlite_sequence']);
const BATCH = 500;

/**
 * Copies a project's history from a SQLite state.db into an empty PostgreSQL
 * store, in one transaction: every table both stores have, the columns both
 * have, ids kept (events keep their numbers, so the audit log reads the same).
 */
export async function copySqliteToPostgres(sqlitePath: string, url: string, schema = 'rewind'): Promise<CopyResult> {
  const source = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool, schema);
    const client = await pool.connect();
    try {
      const targetColumns = new Map<string, Set<string>>();
      const columns = await client.query<{ table_name: string; column_name: string }>(
        'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1',
        [schema],
      );
      for (const row of columns.rows) {
        const set = targetColumns.get(row.table_name) ?? new Set<string>();
        set.add(row.column_name);
        targetColumns.set(row.table_name, set);
      }
      const busy = await client.query<{ n: string }>(
        'SELECT (SELECT COUNT(*) FROM releases) + (SELECT COUNT(*) FROM events) AS n',
      );
      if (Number(busy.rows[0]?.n) > 0) {
        throw new UserError(
          'STORE_NOT_EMPTY',
          `the PostgreSQL store (schema ${schema}) already holds releases or events; copy into an empty one — nothing was copied`,
          { exitCode: 1 },
        );
      }
      const tables = (
        source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
      )
        .map((t) => t.name)
        .filter((name) => !OWN_TABLES.has(name));
      const result: CopyResult = { tables: {}, skipped: [] };
      await client.query('BEGIN');
      for (const table of tables) {
        const target = targetColumns.get(table);
        if (!target) {
          result.skipped.push(table);
          continue;
        }
        const own = (source.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
        const shared = own.filter((c) => target.has(c));
        result.skipped.push(...own.filter((c) => !target.has(c)).map((c) => `${table}.${c}`));
        let copied = 0;
        let batch: unknown[][] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          const values = batch
            .map((_, r) => `(${shared.map((__, c) => `$${r * shared.length + c + 1}`).join(', ')})`)
            .join(', ');
          await client.query(
            `INSERT INTO "${table}" (${shared.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`,
            batch.flat(),
          );
          copied += batch.length;
          batch = [];
        };
        const rows = source.prepare(`SELECT ${shared.map((c) => `"${c}"`).join(', ')} FROM "${table}"`).raw();
        for (const row of rows.iterate() as Iterable<unknown[]>) {
          batch.push(row);
          if (batch.length >= BATCH) await flush();
        }
        await flush();
        result.tables[table] = copied;
      }
      // identities continue after the copied ids
      for (const table of ['events', 'outbox']) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), GREATEST((SELECT MAX(id) FROM "${table}"), 1))`,
        );
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  } finally {
    source.close();
    await pool.end();
  }
}
