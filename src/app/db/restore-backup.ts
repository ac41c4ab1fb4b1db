import { errorMessage, UserError } from '../../core/errors.js';
import type { Backup } from '../../core/model.js';
import type { ValidationCheck } from '../../core/ports/database.js';
import { dataLossWindow, describeLoss, type DataLossWindow } from '../../core/recovery-point.js';
import { record, type DbDeps } from './deps.js';
import { holdBackup } from './in-use.js';
import { takeBackup } from './take-backup.js';
import { fetchIfMissing } from './offsite.js';
import { getBackup, verifyBackup } from './verify-backup.js';

export interface RestoreBackupOptions {
  /** only these tables; every other table is left untouched; default: what the backup holds */
  tables?: string[];
  /** keep the current rows of each restored table in `<table>_quarantine_<suffix>` */
  quarantineSuffix?: string;
  /** a coordinated rollback keeps writes stopped until traffic is on the target (its read-write step lifts it); default false */
  leaveReadOnly?: boolean;
}

export interface RestoreBackupResult {
  outcome: 'restored';
  backup: Backup;
  /** the backup of the state just before the restore (to undo the undo) */
  safety: Backup;
  message: string;
  checks: ValidationCheck[];
  /** the writes this restore took away: after the backup's consistent point, up to now */
  dataLossWindow: DataLossWindow;
}

/**
 * The runbook's "stop writes, restore the backup" as one guarded operation
 *: verify first (a corrupt backup is refused before anything is
 * touched) → safety backup of the current state → read-only on → restore →
 * validate → read-only off. If the restore or the validation fails, the safety
 * backup is put back and the error says so; if even that fails, the database is
 * left read-only and the error names the safety backup. Data is never lost: the
 * safety backup stays in the catalog either way.
 */
export async function restoreBackup(
  deps: DbDeps,
  id: string,
  options: RestoreBackupOptions = {},
): Promise<RestoreBackupResult> {
  const release = holdBackup(id);
  try {
    return await restoreHeld(deps, id, options);
  } finally {
    release();
  }
}

async function restoreHeld(deps: DbDeps, id: string, options: RestoreBackupOptions): Promise<RestoreBackupResult> {
  const { adapter } = deps;
  await fetchIfMissing(deps, await getBackup(deps, id));
  const verified = await verifyBackup(deps, id);
  const backup = verified.backup;
  if (!verified.ok) {
    const failed = verified.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    await record(
      deps,
      'restore.refused',
      `restore of ${id} refused: the backup failed verification; nothing was changed`,
      { backupId: id },
    );
    throw new UserError(
      'BACKUP_CORRUPT',
      `backup ${id} failed verification (${failed.join('; ')}) — refused; nothing was changed`,
      { details: verified.checks },
    );
  }
  const tables = options.tables?.length ? options.tables : backup.kind === 'tables' ? backup.tables : [];
  if (tables.length > 0 && !adapter.capabilities.tableRestore) {
    throw new UserError(
      'NOT_SUPPORTED',
      `${adapter.engine} cannot restore single tables; restore the whole backup instead`,
    );
  }
  if (backup.kind === 'schema' && tables.length > 0)
    throw new UserError('NO_DATA_IN_BACKUP', `backup ${id} is schema-only: it holds no rows to restore tables from`);

  let safety: Backup;
  try {
    safety = await takeBackup(deps, { kind: tables.length > 0 ? 'tables' : 'full', tables, purpose: 'safety' });
  } catch (error) {
    throw new UserError(
      'SAFETY_BACKUP_FAILED',
      `could not take the safety backup before restoring ${id}: ${errorMessage(error)} — nothing was changed`,
    );
  }
  await record(
    deps,
    'restore.started',
    `restoring ${id}${tables.length ? ` (tables ${tables.join(', ')})` : ''}; safety backup ${safety.id}`,
    {
      backupId: id,
      safetyId: safety.id,
      tables,
    },
  );

  const readOnly = adapter.capabilities.readOnly;
  if (readOnly) {
    try {
      await adapter.setReadOnly(true);
    } catch (error) {
      throw new UserError(
        'READ_ONLY_FAILED',
        `could not stop writes before restoring ${id}: ${errorMessage(error)} — nothing was restored`,
      );
    }
  }
  let message: string;
  let checks: ValidationCheck[];
  try {
    message = await adapter.restore(backup.path, { tables, quarantineSuffix: options.quarantineSuffix });
    checks = await adapter.validate(expectationsOf(backup, tables));
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0)
      throw new UserError(
        'VALIDATION_FAILED',
        `validation after the restore failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      );
  } catch (error) {
    throw await putSafetyBack(deps, { id, safety, tables, readOnly: readOnly && !options.leaveReadOnly, error });
  }
  // the restore is good: failing to lift read-only must not undo it, only be reported
  if (readOnly && !options.leaveReadOnly) {
    try {
      await adapter.setReadOnly(false);
    } catch (error) {
      throw new UserError(
        'READ_WRITE_FAILED',
        `restored ${id} and validated it, but could not turn read-only off: ${errorMessage(error)} — run \`rewind db read-only off\``,
      );
    }
  }
  const window = dataLossWindow(backup, deps.clock.now());
  const loss = describeLoss(window, tables.length ? `tables ${tables.join(', ')}` : `database ${adapter.name}`);
  await record(deps, 'restore.succeeded', `restored ${id}: ${message}; ${loss}`, {
    backupId: id,
    safetyId: safety.id,
    checks,
    dataLossWindow: window,
  });
  return { outcome: 'restored', backup, safety, message: `${message}; ${loss}`, checks, dataLossWindow: window };
}

function expectationsOf(backup: Backup, tables: string[]): { tables: string[]; rowCounts?: Record<string, number> } {
  const restored = tables.length > 0 ? tables : backup.tables;
  if (backup.kind === 'schema') return { tables: restored };
  const counts = (backup.manifest.rowCounts ?? {}) as Record<string, number>;
  return {
    tables: restored,
    rowCounts: Object.fromEntries(restored.filter((t) => t in counts).map((t) => [t, counts[t] as number])),
  };
}

/** Undo a failed restore with the safety backup; returns the error to throw, which says which happened. */
async function putSafetyBack(
  deps: DbDeps,
  ctx: { id: string; safety: Backup; tables: string[]; readOnly: boolean; error: unknown },
): Promise<UserError> {
  const why = errorMessage(ctx.error);
  try {
    await deps.adapter.restore(ctx.safety.path, { tables: ctx.tables });
    if (ctx.readOnly) await deps.adapter.setReadOnly(false);
  } catch (revertError) {
    await record(
      deps,
      'restore.revert-failed',
      `restore of ${ctx.id} failed and putting safety backup ${ctx.safety.id} back failed too`,
      {
        backupId: ctx.id,
        safetyId: ctx.safety.id,
        error: why,
        revertError: errorMessage(revertError),
      },
    );
    return new UserError(
      'RESTORE_AND_REVERT_FAILED',
      `restore of ${ctx.id} failed (${why}) and putting the safety backup ${ctx.safety.id} back ALSO failed (${errorMessage(revertError)}); ` +
        `the database is left ${ctx.readOnly ? 'read-only' : 'as it is'} — restore ${ctx.safety.path} by hand (rewind db restore ${ctx.safety.id} --offline)`,
      { details: { outcome: 'revert-failed', safetyId: ctx.safety.id, safetyPath: ctx.safety.path } },
    );
  }
  await record(deps, 'restore.reverted', `restore of ${ctx.id} failed; safety backup ${ctx.safety.id} put back`, {
    backupId: ctx.id,
    safetyId: ctx.safety.id,
    error: why,
  });
  return new UserError(
    'RESTORE_FAILED',
    `restore of ${ctx.id} failed (${why}); the safety backup ${ctx.safety.id} was put back, so the database is as it was before the restore`,
    { details: { outcome: 'reverted', safetyId: ctx.safety.id } },
  );
}
