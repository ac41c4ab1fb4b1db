import type pg from 'pg';
import { UserError } from '../../core/errors.js';
import { parseTableName } from '../shared/identifiers.js';
import { ident } from './connection.js';

/** A user table: `name` is `table` in schema public, `schema.table` elsewhere. */
export interface PgTable {
  schema: string;
  table: string;
  name: string;
  quoted: string;
}

const toTable = (schema: string, table: string): PgTable => ({
  schema,
  table,
  name: schema === 'public' ? table : `${schema}.${table}`,
  quoted: `${ident(schema)}.${ident(table)}`,
});

/** Ordinary and partitioned tables outside the system schemas. */
export async function listTables(client: pg.Client): Promise<PgTable[]> {
  const { rows } = await client.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1, 2`,
  );
  return rows.map((r) => toTable(r.schema, r.table));
}

/** Resolves user-typed names (`users`, `app.users`) to existing tables; unknown names are a UserError. */
export async function resolveTables(client: pg.Client, names: string[]): Promise<PgTable[]> {
  const all = await listTables(client);
  return names.map((name) => {
    const { schema, table } = parseTableName(name);
    const found = all.find((t) => t.table === table && t.schema === (schema ?? 'public'));
    if (!found) throw new UserError('UNKNOWN_TABLE', `table ${name} does not exist in the database`);
    return found;
  });
}

export function tableRef(name: string): PgTable {
  const { schema, table } = parseTableName(name);
  return toTable(schema ?? 'public', table);
}

export async function countRows(client: pg.Client, tables: PgTable[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.quoted}`);
    counts[t.name] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

export interface PgForeignKey {
  name: string;
  child: PgTable;
  parent: PgTable;
  childColumns: string[];
  parentColumns: string[];
}

/** Every foreign key constraint of the user schemas, read from pg_constraint. */
export async function listForeignKeys(client: pg.Client): Promise<PgForeignKey[]> {
  const { rows } = await client.query<{
    name: string;
    cs: string;
    ct: string;
    ps: string;
    pt: string;
    ccols: string[];
    pcols: string[];
  }>(
    `SELECT con.conname AS name, cn.nspname AS cs, cc.relname AS ct, pn.nspname AS ps, pc.relname AS pt,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS ccols,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS pcols
       FROM pg_constraint con
       JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE con.contype = 'f' AND cn.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1`,
  );
  return rows.map((r) => ({
    name: r.name,
    child: toTable(r.cs, r.ct),
    parent: toTable(r.ps, r.pt),
    childColumns: r.ccols,
    parentColumns: r.pcols,
  }));
}

/**
 * The anti-join for one foreign key: child rows whose key has no parent. Rows
 * with a NULL in the key are exempt (MATCH SIMPLE, PostgreSQL's default).
 */
export function orphanQuery(fk: PgForeignKey): string {
  const notNull = fk.childColumns.map((c) => `c.${ident(c)} IS NOT NULL`).join(' AND ');
  const join = fk.childColumns.map((c, i) => `p.${ident(fk.parentColumns[i] as string)} = c.${ident(c)}`).join(' AND ');
  return `SELECT count(*) AS n FROM ${fk.child.quoted} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${fk.parent.quoted} p WHERE ${join})`;
}
