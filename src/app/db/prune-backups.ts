import { rm } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { keptByRule, type KeepRule } from '../../core/backup-retention.js';
import { badRequest } from '../../core/errors.js';
import { latestVerified } from '../../core/recovery-point.js';
import { record, type DbDeps } from './deps.js';
import { removeOffsite } from './offsite.js';

export interface PruneResult {
  deleted: string[];
  kept: string[];
}

/**
 * Retention: keep what the rule keeps (`keep` newest, or `{ last, daily, weekly }`),
 * the newest backup that passed verification (what `restore latest` needs) and
 * every id in `protectedIds` (the backups guarding live releases, in use), delete
 * the rest — files first, then the catalog row. Files outside `dir` are never removed.
 */
export async function pruneBackups(deps: DbDeps, keep: KeepRule, protectedIds: string[] = []): Promise<PruneResult> {
  const counts = typeof keep === 'number' ? [keep] : [keep.last, keep.daily, keep.weekly];
  if (!counts.every((n) => Number.isInteger(n) && n >= 0))
    throw badRequest(`keep must be whole numbers ≥ 0, got ${JSON.stringify(keep)}`);
  const all = await deps.store.listBackups({ database: deps.adapter.name });
  const newestFirst = [...all].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  const protect = new Set([...protectedIds, ...keptByRule(all, keep)]);
  const verified = latestVerified(all);
  if (verified) protect.add(verified.id);
  const kept: string[] = [];
  const deleted: string[] = [];
  const root = resolve(deps.dir);
  for (const backup of newestFirst) {
    if (protect.has(backup.id)) {
      kept.push(backup.id);
      continue;
    }
    const rel = relative(root, resolve(backup.path));
    if (rel && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep))
      await rm(resolve(backup.path), { recursive: true, force: true });
    await removeOffsite(deps, backup);
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
