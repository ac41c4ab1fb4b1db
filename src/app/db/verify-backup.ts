import { notFound, UserError } from '../../core/errors.js';
import type { Backup } from '../../core/model.js';
import type { ValidationCheck } from '../../core/ports/database.js';
import { record, type DbDeps } from './deps.js';

export interface VerifyResult {
  backup: Backup;
  ok: boolean;
  checks: ValidationCheck[];
}

export async function getBackup(deps: DbDeps, id: string): Promise<Backup> {
  const backup = await deps.store.getBackup(id);
  if (!backup) throw notFound(`backup ${id}`, 'list them with `rewind db backups`');
  if (backup.database !== deps.adapter.name) {
    throw new UserError(
      'WRONG_DATABASE',
      `backup ${id} belongs to database ${backup.database}, not ${deps.adapter.name}`,
    );
  }
  return backup;
}

/** Checksums of every file and of the manifest against the catalog, then the engine's own read of the dump. */
export async function verifyBackup(deps: DbDeps, id: string): Promise<VerifyResult> {
  const backup = await getBackup(deps, id);
  const checks = await deps.adapter.verify(backup.path, backup.sha256);
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  await record(
    deps,
    ok ? 'backup.verified' : 'backup.corrupt',
    ok ? `backup ${id} verified` : `backup ${id} FAILED verification`,
    { backupId: id, checks },
  );
  return { backup, ok, checks };
}

/** All backups of this database in the catalog, newest first. */
export async function listBackups(deps: Pick<DbDeps, 'adapter' | 'store'>): Promise<Backup[]> {
  return deps.store.listBackups({ database: deps.adapter.name });
}
