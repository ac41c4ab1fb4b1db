import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import type { Backup } from '../../core/model.js';
import type { BackupResult } from '../../core/ports/database.js';
import { record, type DbDeps } from './deps.js';

/** The copy of a backup in the object store, as the catalog manifest keeps it (`offsite`). */
export interface OffsiteCopy {
  location: string;
  key: string;
  status: 'uploaded' | 'failed';
  detail: string;
}

const keyOf = (deps: DbDeps, id: string) => `${deps.adapter.name}/${id}`;

/**
 * Copies a backup just taken to the object store and reads it back: it counts
 * as uploaded only when every object's sha256 matches the manifest. A failed
 * upload keeps the local backup and says so (`backup.upload-failed`).
 */
export async function copyOffsite(deps: DbDeps, id: string, result: BackupResult): Promise<OffsiteCopy | null> {
  const store = deps.offsite;
  if (!store) return null;
  const key = keyOf(deps, id);
  let copy: OffsiteCopy;
  try {
    const checks = await store.upload(result.path, key, result.manifest.files, result.sha256);
    const bad = checks.filter((c) => !c.ok);
    copy = {
      location: `${store.location}/${key}`,
      key,
      status: bad.length === 0 ? 'uploaded' : 'failed',
      detail:
        bad.length === 0
          ? `${checks.length} objects, sha256 read back`
          : bad.map((c) => `${c.name}: ${c.detail}`).join('; '),
    };
  } catch (error) {
    copy = { location: `${store.location}/${key}`, key, status: 'failed', detail: errorMessage(error) };
  }
  if (copy.status === 'failed')
    await record(deps, 'backup.upload-failed', `backup ${id} was NOT copied to ${copy.location}: ${copy.detail}`, {
      backupId: id,
      offsite: copy,
    });
  return copy;
}

const offsiteOf = (backup: Backup) => backup.manifest.offsite as OffsiteCopy | undefined;

/** A restore on a host that lost its backup directory fetches the uploaded copy first. */
export async function fetchIfMissing(deps: DbDeps, backup: Backup): Promise<void> {
  const copy = offsiteOf(backup);
  if (!deps.offsite || copy?.status !== 'uploaded') return;
  const present = await access(join(backup.path, 'manifest.json')).then(
    () => true,
    () => false,
  );
  if (present) return;
  const n = await deps.offsite.download(copy.key, backup.path);
  await record(deps, 'backup.fetched', `backup ${backup.id} fetched from ${copy.location} (${n} objects)`, {
    backupId: backup.id,
  });
}

/** Retention deletes the uploaded copy with the local one. */
export async function removeOffsite(deps: DbDeps, backup: Backup): Promise<void> {
  const copy = offsiteOf(backup);
  if (deps.offsite && copy) await deps.offsite.remove(copy.key);
}
