import { UserError } from '../../core/errors.js';
import type { Backup } from '../../core/model.js';
import type { AppContext } from '../context.js';

/**
 * The backup a failover puts the standby's database on: the newest full backup in
 * the catalog. The one place that picks it, so a stricter choice (the newest one
 * verified by restoring it) changes this function only.
 */
export async function backupToRestore(ctx: AppContext, database: string): Promise<Backup> {
  const backups = await ctx.store.listBackups({ database });
  const newest = backups
    .filter((b) => b.kind === 'full' && b.manifest.purpose !== 'safety')
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!newest)
    throw new UserError(
      'NO_BACKUP',
      `the site restores database ${database} before it takes traffic, but the catalog holds no full backup of it — take one with: rewind db backup --db ${database} (nothing was changed)`,
    );
  return newest;
}
