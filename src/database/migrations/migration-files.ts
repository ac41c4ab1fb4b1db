import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';

/** One migration on disk: `migrations/<version>_<name>.up.sql` and `.down.sql` (tool `sql`). */
export interface MigrationFile {
  version: string;
  name: string;
  upPath: string | null;
  downPath: string | null;
}

const FILE = /^([0-9][0-9A-Za-z.-]*)_([A-Za-z0-9_-]+)\.(up|down)\.sql$/;

/** Numeric versions compare as numbers (`9` < `10`), others as text. */
export function compareVersions(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const diff = BigInt(a) - BigInt(b);
    return diff === 0n ? 0 : diff < 0n ? -1 : 1;
  }
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Reads the migration directory, sorted by version. */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new UserError('MIGRATIONS_NOT_FOUND', `migrations directory ${dir} does not exist`, { status: 404 });
  }
  const byVersion = new Map<string, MigrationFile>();
  for (const file of names) {
    const match = FILE.exec(file);
    if (!match) continue;
    const [, version, name, direction] = match as unknown as [string, string, string, 'up' | 'down'];
    const entry = byVersion.get(version) ?? { version, name, upPath: null, downPath: null };
    if (entry.name !== name) {
      throw new UserError(
        'MIGRATION_CONFLICT',
        `migration ${version} has two names: ${entry.name} and ${name} — rename one of the files in ${dir}`,
      );
    }
    if (direction === 'up') entry.upPath = join(dir, file);
    else entry.downPath = join(dir, file);
    byVersion.set(version, entry);
  }
  return [...byVersion.values()].sort((a, b) => compareVersions(a.version, b.version));
}

export async function readSql(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
