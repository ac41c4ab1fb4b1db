import type pg from 'pg';
import type { ValidationCheck } from '../../core/ports/database.js';
import { countRows, listForeignKeys, listTables, orphanQuery, tableRef } from './catalog.js';

export interface Expected {
  tables?: string[];
  rowCounts?: Record<string, number>;
}

/**
 * Post-restore validation: expected tables present, every foreign
 * key holds (one anti-join per constraint from the catalog), every index valid
 * (`pg_index.indisvalid`), row counts as expected. One check per item.
 */
export async function pgValidate(client: pg.Client, expected: Expected = {}): Promise<ValidationCheck[]> {
  const checks: ValidationCheck[] = [];
  const present = new Set((await listTables(client)).map((t) => t.name));
  for (const name of expected.tables ?? []) {
    const t = tableRef(name);
    checks.push({
      name: `table ${t.name}`,
      ok: present.has(t.name),
      detail: present.has(t.name) ? 'present' : 'missing',
    });
  }
  for (const fk of await listForeignKeys(client)) {
    const { rows } = await client.query<{ n: string }>(orphanQuery(fk));
    const orphans = Number(rows[0]?.n ?? 0);
    checks.push({
      name: `foreign key ${fk.child.name}.${fk.name}`,
      ok: orphans === 0,
      detail:
        orphans === 0
          ? `every ${fk.child.name} row has its ${fk.parent.name}`
          : `${orphans} rows of ${fk.child.name} have no match in ${fk.parent.name}`,
    });
  }
  const { rows: invalid } = await client.query<{ name: string }>(
    `SELECT i.indexrelid::regclass::text AS name FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  checks.push({
    name: 'indexes valid',
    ok: invalid.length === 0,
    detail:
      invalid.length === 0 ? 'no invalid index' : `invalid: ${invalid.map((r) => r.name).join(', ')} — REINDEX them`,
  });
  const wanted = Object.entries(expected.rowCounts ?? {}).filter(([name]) => present.has(tableRef(name).name));
  const actual = await countRows(
    client,
    wanted.map(([name]) => tableRef(name)),
  );
  for (const [name, count] of wanted) {
    const got = actual[tableRef(name).name];
    checks.push({
      name: `rows ${name}`,
      ok: got === count,
      detail: got === count ? `${count} rows` : `${got} rows, expected ${count}`,
    });
  }
  return checks;
}
