/**
 * Finds the statements of a down migration that destroy data: `DROP TABLE` and
 * `ALTER TABLE … DROP [COLUMN]`. The runner checks each one against
 * the live database before anything runs. The parser is deliberately simple: it
 * strips comments and string literals, splits on `;` and matches keywords, which
 * covers what migration tools write; anything it cannot read is not a drop.
 */
export type Drop = { kind: 'table'; table: string } | { kind: 'column'; table: string; column: string };

/** ALTER TABLE … DROP <word> forms that do not remove a column. */
const NOT_COLUMNS = new Set([
  'CONSTRAINT',
  'DEFAULT',
  'NOT',
  'INDEX',
  'KEY',
  'PRIMARY',
  'FOREIGN',
  'CHECK',
  'PARTITION',
  'IDENTITY',
  'EXPRESSION',
  'TRIGGER',
  'UNIQUE',
  'SYSTEM',
]);

export function stripSql(sql: string): string {
  return sql
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
}

const unquote = (name: string): string =>
  name
    .split('.')
    .map((part) => part.replace(/^["`](.*)["`]$/, '$1'))
    .join('.');

/** Splits the top level of a comma list, ignoring commas inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

const NAME = String.raw`((?:"[^"]+"|\x60[^\x60]+\x60|[\w$]+)(?:\.(?:"[^"]+"|\x60[^\x60]+\x60|[\w$]+))?)`;

export function findDrops(sql: string): Drop[] {
  const drops: Drop[] = [];
  for (const raw of stripSql(sql).split(';')) {
    const statement = raw.trim().replace(/\s+/g, ' ');
    const dropTable = /^DROP TABLE (?:IF EXISTS )?(.+?)(?: (?:CASCADE|RESTRICT))?$/i.exec(statement);
    if (dropTable) {
      for (const name of splitTopLevel(dropTable[1] as string)) drops.push({ kind: 'table', table: unquote(name) });
      continue;
    }
    const alter = new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${NAME} (.*)$`, 'i').exec(statement);
    if (!alter) continue;
    const table = unquote(alter[1] as string);
    for (const action of splitTopLevel(alter[2] as string)) {
      const drop = new RegExp(String.raw`^DROP (?:COLUMN )?(?:IF EXISTS )?${NAME}`, 'i').exec(action);
      if (!drop) continue;
      const column = unquote(drop[1] as string);
      if (NOT_COLUMNS.has(column.toUpperCase()) && !/^DROP COLUMN /i.test(action)) continue;
      drops.push({ kind: 'column', table, column });
    }
  }
  return drops;
}
