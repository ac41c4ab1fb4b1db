/**
 * Builds `WHERE a = ? AND b IN (?, ?)` from optional filters: a filter whose
 * value is undefined (or an empty list) is left out.
 */
export function where(filters: Record<string, unknown>): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  for (const [condition, value] of Object.entries(filters)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (Array.isArray(value)) {
      parts.push(`${condition} IN (${value.map(() => '?').join(',')})`);
      args.push(...value);
    } else {
      parts.push(`${condition} ?`);
      args.push(value);
    }
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}
