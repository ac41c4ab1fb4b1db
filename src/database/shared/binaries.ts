import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../../core/errors.js';

/**
 * Finds a client binary on PATH, then in extra directories (Debian keeps the
 * PostgreSQL tools in /usr/lib/postgresql/<major>/bin, newest major first).
 * Returns null when none of the names is found.
 */
export function findBinary(names: string[], extraDirs: string[] = []): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        /* try the next one */
      }
    }
  }
  return null;
}

/** Like {@link findBinary} but a missing binary is a UserError saying what to install. */
export function requireBinary(names: string[], extraDirs: string[], hint: string): string {
  const found = findBinary(names, extraDirs);
  if (!found) throw new UserError('DB_BINARY_MISSING', `${names.join(' / ')} not found on PATH — ${hint}`);
  return found;
}

/** /usr/lib/postgresql/<major>/bin directories, newest major first. */
export function postgresBinDirs(root = '/usr/lib/postgresql'): string[] {
  try {
    return readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a))
      .map((d) => join(root, d, 'bin'));
  } catch {
    return [];
  }
}
