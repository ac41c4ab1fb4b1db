import type Database from 'better-sqlite3';
import type { ValidationCheck } from '../../core/ports/database.js';
import { quoteName } from '../shared/identifiers.js';

export const sqliteTables = (d: Database.Database): string[] =>
  (
    d
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as { name: string }[]
  ).map((r) => r.name);

export const sqliteCount = (d: Database.Database, t: string): number =>
  (d.prepare(`SELECT count(*) AS n FROM ${quoteName(t, '"')}`).get() as { n: number }).n;

/** Expected tables present, `foreign_key_check` and `integrity_check` clean, row counts as expected. */
export function sqliteValidate(
  d: Database.Database,
  expected: { tables?: string[]; rowCounts?: Record<string, number> } = {},
): ValidationCheck[] {
  const checks: ValidationCheck[] = [];
  const present = new Set(sqliteTables(d));
  for (const t of expected.tables ?? [])
    checks.push({ name: `table ${t}`, ok: present.has(t), detail: present.has(t) ? 'present' : 'missing' });
  const broken = d.pragma('foreign_key_check') as { table: string; parent: string }[];
  checks.push({
    name: 'foreign keys',
    ok: broken.length === 0,
    detail:
      broken.length === 0
        ? 'foreign_key_check found nothing'
        : `${broken.length} rows without parent: ${[...new Set(broken.map((b) => `${b.table}→${b.parent}`))].join(', ')}`,
  });
  const integrity = d.pragma('integrity_check', { simple: true });
  checks.push({ name: 'integrity_check', ok: integrity === 'ok', detail: String(integrity) });
  for (const [t, n] of Object.entries(expected.rowCounts ?? {})) {
    if (!present.has(t)) continue;
    const got = sqliteCount(d, t);
    checks.push({ name: `rows ${t}`, ok: got === n, detail: got === n ? `${n} rows` : `${got} rows, expected ${n}` });
  }
  return checks;
}
