import { errorMessage, UserError } from '../../core/errors.js';
import type { Backup } from '../../core/model.js';
import { record, type DbDeps } from './deps.js';
import { takeBackup } from './take-backup.js';

export interface MigrateDownOptions {
  migrationsDir: string;
  toVersion: string;
  /** return the SQL after running the data-loss checks; change nothing; default false */
  dryRun?: boolean;
  /** drop tables/columns that hold data; default false */
  allowDataLoss?: boolean;
  /** take a full backup before the first down step; default true */
  backupFirst?: boolean;
}

export interface MigrateDownResult {
  /** `-- <version>_<name>.down.sql` + SQL per step, newest first */
  steps: string[];
  dryRun: boolean;
  from: string | null;
  to: string;
  /** the backup taken before migrating, when one was */
  backup: Backup | null;
}

/**
 * Migrate down to `toVersion`: the checks run first (dry run), so a
 * refusal happens before the backup and before any SQL; then a full backup, then
 * the down steps. Already at the version: a no-op.
 */
export async function migrateDown(deps: DbDeps, options: MigrateDownOptions): Promise<MigrateDownResult> {
  const { adapter } = deps;
  const status = await adapter.migrationStatus(options.migrationsDir);
  const base = { from: status.current, to: options.toVersion, backup: null };
  const allowDataLoss = options.allowDataLoss ?? false;
  const planned = await adapter.migrateDown(options.migrationsDir, options.toVersion, { dryRun: true, allowDataLoss });
  if (planned.length === 0) return { ...base, steps: [], dryRun: options.dryRun ?? false };
  if (options.dryRun) return { ...base, steps: planned, dryRun: true };
  const backup =
    options.backupFirst === false ? null : await takeBackup(deps, { kind: 'full', purpose: 'pre-migrate-down' });
  try {
    const steps = await adapter.migrateDown(options.migrationsDir, options.toVersion, { dryRun: false, allowDataLoss });
    await record(
      deps,
      'migrate-down.done',
      `migrated ${adapter.name} down from ${status.current} to ${options.toVersion} (${steps.length} steps)`,
      {
        from: status.current,
        to: options.toVersion,
        backupId: backup?.id ?? null,
      },
    );
    return { ...base, steps, dryRun: false, backup };
  } catch (error) {
    await record(
      deps,
      'migrate-down.failed',
      `migrating ${adapter.name} down to ${options.toVersion} failed: ${errorMessage(error)}`,
      { backupId: backup?.id ?? null },
    );
    // A team's own tool may stop half-way through a step: put the data back as it was before it ran.
    const putBack = adapter.capabilities.opaqueMigrations && backup ? await restoreAfterFailure(deps, backup) : null;
    const hint = putBack
      ? ` — ${putBack}`
      : backup
        ? ` — the backup ${backup.id} taken just before holds the previous state (rewind db restore ${backup.id})`
        : '';
    throw new UserError(
      error instanceof UserError ? error.code : 'MIGRATE_DOWN_FAILED',
      `${errorMessage(error)}${hint}`,
      { details: { backupId: backup?.id ?? null } },
    );
  }
}

async function restoreAfterFailure(deps: DbDeps, backup: Backup): Promise<string> {
  try {
    await deps.adapter.restore(backup.path, {});
    await record(deps, 'migrate-down.restored', `database ${deps.adapter.name} put back from backup ${backup.id}`, {
      backupId: backup.id,
    });
    return `the database was put back from the backup ${backup.id} taken just before`;
  } catch (error) {
    return `putting the backup ${backup.id} back failed too (${errorMessage(error)}): restore it by hand (rewind db restore ${backup.id})`;
  }
}
