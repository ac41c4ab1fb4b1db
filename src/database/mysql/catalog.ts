import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { UserError } from '../../core/errors.js';
import { tick } from './connection.js';

export async function listTables(client: mysql.Connection): Promise<string[]> {
  const [rows] = await client.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`,
  );
  return rows.map((r) => String(r.t));
}

export async function resolveTables(client: mysql.Connection, names: string[]): Promise<string[]> {
  const all = new Set(await listTables(client));
  for (const name of names)
    if (!all.has(name)) throw new UserError('UNKNOWN_TABLE', `table ${name} does not exist in the database`);
  return names;
}

export async function countRows(client: mysql.Connection, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [rows] = await client.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${tick(t)}`);
    counts[t] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

export interface MyForeignKey {
  name: string;
  child: string;
  parent: string;
  childColumns: string[];
  parentColumns: string[];
}

export async function listForeignKeys(client: mysql.Connection): Promise<MyForeignKey[]> {
  const [rows] = await client.query<RowDataPacket[]>(
    `SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS child, REFERENCED_TABLE_NAME AS parent, COLUMN_NAME AS col, REFERENCED_COLUMN_NAME AS ref
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
  );
  const byName = new Map<string, MyForeignKey>();
  for (const r of rows) {
    const key = `${r.child}.${r.name}`;
    const fk = byName.get(key) ?? {
      name: String(r.name),
      child: String(r.child),
      parent: String(r.parent),
      childColumns: [],
      parentColumns: [],
    };
    fk.childColumns.push(String(r.col));
    fk.parentColumns.push(String(r.ref));
    byName.set(key, fk);
  }
  return [...byName.values()];
}

/** Child rows whose (non-NULL) key has no parent row. */
export function orphanQuery(fk: MyForeignKey): string {
  const notNull = fk.childColumns.map((c) => `c.${tick(c)} IS NOT NULL`).join(' AND ');
  const join = fk.childColumns.map((c, i) => `p.${tick(fk.parentColumns[i] as string)} = c.${tick(c)}`).join(' AND ');
  return `SELECT COUNT(*) AS n FROM ${tick(fk.child)} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${tick(fk.parent)} p WHERE ${join})`;
}
