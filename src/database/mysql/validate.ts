import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { ValidationCheck } from '../../core/ports/database.js';
import { countRows, listForeignKeys, listTables, orphanQuery } from './catalog.js';

/**
 * Validation of the schema the client uses (`DATABASE()`): expected tables
 * present, every foreign key holds (one anti-join each), row counts as expected.
 */
export async function myValidate(
  c: mysql.Connection,
  expected: { tables?: string[]; rowCounts?: Record<string, number> } = {},
): Promise<ValidationCheck[]> {
  const checks: ValidationCheck[] = [];
  const present = new Set(await listTables(c));
  for (const t of expected.tables ?? [])
    checks.push({ name: `table ${t}`, ok: present.has(t), detail: present.has(t) ? 'present' : 'missing' });
  for (const fk of await listForeignKeys(c)) {
    const [rows] = await c.query<RowDataPacket[]>(orphanQuery(fk));
    const n = Number(rows[0]?.n ?? 0);
    checks.push({
      name: `foreign key ${fk.child}.${fk.name}`,
      ok: n === 0,
      detail:
        n === 0
          ? `every ${fk.child} row has its ${fk.parent}`
          : `${n} rows of ${fk.child} have no match in ${fk.parent}`,
    });
  }
  const wanted = Object.entries(expected.rowCounts ?? {}).filter(([t]) => present.has(t));
  const actual = await countRows(
    c,
    wanted.map(([t]) => t),
  );
  for (const [t, n] of wanted)
    checks.push({
      name: `rows ${t}`,
      ok: actual[t] === n,
      detail: actual[t] === n ? `${n} rows` : `${actual[t]} rows, expected ${n}`,
    });
  return checks;
}
