import { UserError } from '../../core/errors.js';

/**
 * Table names as users type them: `users` or `schema.users`. Names are checked
 * against a conservative pattern before they are quoted into SQL, so a table
 * name can never carry SQL of its own.
 */
const PART = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export interface TableName {
  schema: string | null;
  table: string;
}

export function parseTableName(name: string): TableName {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => !PART.test(p))) {
    throw new UserError(
      'BAD_TABLE_NAME',
      `"${name}" is not a table name Rewind accepts (letters, digits, _ and $; optionally schema.table)`,
    );
  }
  return parts.length === 2
    ? { schema: parts[0] as string, table: parts[1] as string }
    : { schema: null, table: parts[0] as string };
}

/** Quotes a (possibly schema-qualified) name with the engine's quote character. */
export function quoteName(name: string, quote: '"' | '`'): string {
  const { schema, table } = parseTableName(name);
  const q = (s: string): string => `${quote}${s.split(quote).join(quote + quote)}${quote}`;
  return schema ? `${q(schema)}.${q(table)}` : q(table);
}

/** Column names follow the same rule as table parts. */
export function quoteColumn(column: string, quote: '"' | '`'): string {
  if (!PART.test(column)) throw new UserError('BAD_COLUMN_NAME', `"${column}" is not a column name Rewind accepts`);
  return `${quote}${column}${quote}`;
}

/** A suffix for quarantine tables: letters, digits and _ only. */
export function checkSuffix(suffix: string): string {
  if (!/^[A-Za-z0-9_]{1,40}$/.test(suffix)) {
    throw new UserError('BAD_QUARANTINE_SUFFIX', `quarantine suffix "${suffix}" must be 1–40 letters, digits or _`);
  }
  return suffix;
}

/** `<table>_quarantine_<suffix>` in the table's own schema. */
export function quarantineName(name: string, suffix: string): string {
  const { schema, table } = parseTableName(name);
  const q = `${table}_quarantine_${checkSuffix(suffix)}`;
  return schema ? `${schema}.${q}` : q;
}
