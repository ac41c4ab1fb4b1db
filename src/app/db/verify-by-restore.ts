import { errorMessage } from '../../core/errors.js';
import type { Backup } from '../../core/model.js';
import type { ValidationCheck, ValidationQuery } from '../../core/ports/database.js';
import type { Verification } from '../../core/recovery-point.js';
import { record, type DbDeps } from './deps.js';
import { holdBackup } from './in-use.js';

/** Options of {@link verifyByRestore}. */
export interface VerifyByRestoreOptions {
  /** restore: into a scratch copy, then validate (default); checksum: the files only */
  method?: 'restore' | 'checksum';
  /** `backups.validate`: extra queries run on the scratch copy; default none */
  queries?: ValidationQuery[];
  /** `backups.rto` in ms: a restore slower than this is reported; default none */
  rtoMs?: number | null;
}

export interface VerifyByRestoreResult {
  backup: Backup;
  verification: Verification;
  checks: ValidationCheck[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const failures = (checks: ValidationCheck[]) =>
  checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ')
    .slice(0, 600);

/**
 * "Verified" means restored: the checksums first (a file changed on disk fails
 * here), then the backup is restored into a scratch copy beside the database and
 * validated as after a real restore (tables, row counts recorded at backup
 * time, constraints, the configured queries); the copy is dropped. The result
 * is recorded on the catalog entry and as an event either way.
 */
export async function verifyByRestore(
  deps: DbDeps,
  backup: Backup,
  options: VerifyByRestoreOptions = {},
): Promise<VerifyByRestoreResult> {
  const method = options.method ?? 'restore';
  const release = holdBackup(backup.id);
  let checks: ValidationCheck[] = [];
  let restoreMs: number | null = null;
  try {
    checks = await deps.adapter.verify(backup.path, backup.sha256);
    if (checks.length > 0 && checks.every((c) => c.ok) && method === 'restore') {
      const scratch = await deps.adapter.restoreToScratch(backup.path, { queries: options.queries ?? [] });
      restoreMs = scratch.restoreMs;
      checks = [...checks, ...scratch.checks];
    }
  } catch (error) {
    checks.push({ name: 'verification', ok: false, detail: errorMessage(error) });
  } finally {
    release();
  }
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  const slow = ok && restoreMs !== null && options.rtoMs ? restoreMs > options.rtoMs : false;
  const how = method === 'restore' ? `restored into a scratch copy in ${seconds(restoreMs ?? 0)}` : 'checksums match';
  const verification: Verification = {
    status: ok ? 'passed' : 'failed',
    verifiedAt: deps.clock.now(),
    restoreMs,
    detail: ok
      ? `${how}; ${checks.length} checks passed${slow ? ` — slower than the rto of ${seconds(options.rtoMs ?? 0)}` : ''}`
      : failures(checks),
    method,
  };
  const updated = (await deps.store.setBackupManifest(backup.id, { ...backup.manifest, verification })) ?? backup;
  await record(
    deps,
    ok ? 'backup.verification-passed' : 'backup.verification-failed',
    ok
      ? `backup ${backup.id} of ${deps.adapter.name} verified: ${verification.detail}`
      : `backup ${backup.id} of ${deps.adapter.name} FAILED verification: ${verification.detail}`,
    {
      backupId: backup.id,
      method,
      restoreMs,
      ...(options.rtoMs ? { rtoMs: options.rtoMs, rtoMet: !slow } : {}),
      failed: checks.filter((c) => !c.ok),
    },
  );
  return { backup: updated, verification, checks };
}
