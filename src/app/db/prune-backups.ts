import { rm } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { badRequest } from '../../core/errors.js';
import { record, type DbDeps } from './deps.js';

export interface PruneResult {
  deleted: string[];
  kept: string[];
}

/**
 * Retention: keep the newest `keep` backups of this database plus every id in
 * `protectedIds` (e.g. the backups guarding live releases), delete the rest —
 * files first, then the catalog row. Files outside `dir` are never removed.
 */
export async function pruneBackups(deps: DbDeps, keep: number, protectedIds: string[] = []): Promise<PruneResult> {
  if (!Number.isInteger(keep) || keep < 0) throw badRequest(`keep must be a whole number ≥ 0, got ${keep}`);
  const all = await deps.store.listBackups({ database: deps.adapter.name });
  const newestFirst = [...all].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  const protect = new Set(protectedIds);
  const kept: string[] = [];
  const deleted: string[] = [];
  const root = resolve(deps.dir);
  for (const [index, backup] of newestFirst.entries()) {
    if (index < keep || protect.has(backup.id)) {
      kept.push(backup.id);
      continue;
    }
    const rel = relative(root, resolve(backup.path));
    if (rel && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep))
      await rm(resolve(backup.path), { recursive: true, force: true });
    await deps.store.deleteBackup(backup.id);
    deleted.push(backup.id);
  }
  if (deleted.length > 0)
    await record(
      deps,
      'backup.pruned',
      `pruned ${deleted.length} backups of ${deps.adapter.name}, kept ${kept.length}`,
      { deleted, kept },
    );
  return { deleted, kept };
}
