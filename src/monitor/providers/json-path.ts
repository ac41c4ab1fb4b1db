/**
 * A small path into a JSON document for the HTTP JSON provider:
 * `data.errorRate`, `items[0].value`, `stats["p95 ms"]`. No wildcards or
 * filters: a signal is one number.
 */
import { UserError } from '../../core/errors.js';

export type PathPart = string | number;

/** Parses a path once, when the source is created; throws a UserError on bad syntax. */
export function parseJsonPath(path: string): PathPart[] {
  const parts: PathPart[] = [];
  const pattern = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["([^"]*)"\]/y;
  let index = 0;
  while (index < path.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(path);
    if (!match || (index === 0 && path.startsWith('.'))) {
      throw new UserError(
        'INVALID_JSON_PATH',
        `cannot read JSON path "${path}" at position ${index}: use forms like data.errorRate or items[0].value`,
        { exitCode: 2 },
      );
    }
    if (match[1] !== undefined) parts.push(match[1]);
    else if (match[2] !== undefined) parts.push(Number(match[2]));
    else parts.push(match[3] as string);
    index = pattern.lastIndex;
  }
  if (parts.length === 0) throw new UserError('INVALID_JSON_PATH', 'the JSON path is empty', { exitCode: 2 });
  return parts;
}

/** The value at the path, or undefined when any step is missing. */
export function readJsonPath(document: unknown, parts: readonly PathPart[]): unknown {
  let current: unknown = document;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof part === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[part];
    } else {
      if (Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
      current = (current as Record<string, unknown>)[part];
    }
  }
  return current;
}
