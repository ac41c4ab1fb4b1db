import type { Backup, ReleaseStatus } from '../../core/model.js';
import type { AppContext } from '../context.js';
import type { DatabaseHandle } from './database-for.js';
import { heldBackups } from './in-use.js';
import type { PruneResult } from './prune-backups.js';
import { pruneBackups } from './prune-backups.js';

/** Purpose recorded on the backup `rewind deploy --migrate` takes before migrating. */
export const PRE_MIGRATE = 'pre-migrate';

/** A release in one of these can still be rolled back from, so the backup guarding it is live. */
const ROLLBACK_CANDIDATES: readonly ReleaseStatus[] = ['deploying', 'analyzing', 'live', 'superseded'];

/**
 * Backups a rollback may still need: the pre-migration
 * backups of releases that can still be rolled back, and every backup named by
 * a rollback that is planned or running.
 */
export async function backupsInUse(ctx: AppContext, db: DatabaseHandle): Promise<string[]> {
  const ids = new Set<string>();
  const backups = await ctx.store.listBackups({ database: db.name });
  for (const backup of backups) {
    if (!backup.service || !backup.environment || backup.revision === null) continue;
    const release = await ctx.store.getRelease(backup.service, backup.environment, backup.revision);
    if (release && ROLLBACK_CANDIDATES.includes(release.status)) ids.add(backup.id);
  }
  for (const rollback of await ctx.store.listRollbacks({ status: ['planned', 'running'], limit: 1000 })) {
    const detail = await ctx.store.getRollback(rollback.id);
    for (const step of detail?.steps ?? []) {
      if (typeof step.params.backupId === 'string') ids.add(step.params.backupId);
    }
  }
  return [...ids];
}

/** Retention after each backup: what `backups.keep` says, the newest verified, and every backup in use. */
export async function applyRetention(ctx: AppContext, db: DatabaseHandle, actor?: string): Promise<PruneResult> {
  const protectedIds = [...(await backupsInUse(ctx, db)), ...heldBackups()];
  return pruneBackups(db.deps(actor ? { actor } : {}), db.config.backups.keep, protectedIds);
}

/** The pre-migration backup that puts the schema back to `schemaVersion`, taken for a release in (afterRevision, upToRevision]. */
export function preMigrationBackup(
  backups: Backup[],
  guard: { service: string; environment: string; afterRevision: number; upToRevision: number },
  schemaVersion: string | null,
): Backup | null {
  const candidates = backups
    .filter((b) => b.service === guard.service && b.environment === guard.environment && b.revision !== null)
    .filter(
      (b) =>
        (b.revision as number) > guard.afterRevision &&
        (b.revision as number) <= guard.upToRevision &&
        b.manifest.purpose === PRE_MIGRATE,
    )
    .sort((a, b) => (a.revision as number) - (b.revision as number) || a.createdAt - b.createdAt);
  // the state just before the first migration past the target is the target's schema
  return candidates.find((b) => (b.manifest.schemaVersion ?? null) === schemaVersion) ?? candidates[0] ?? null;
}
