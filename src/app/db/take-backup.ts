import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from '../../core/ids.js';
import type { Backup, BackupKind } from '../../core/model.js';
import { record, type DbDeps } from './deps.js';
import { copyOffsite } from './offsite.js';

export interface TakeBackupOptions {
  /** default "full" */
  kind?: BackupKind;
  tables?: string[];
  /** the release this backup guards (taken for a deploy) */
  guards?: { service: string; environment: string; revision: number } | null;
  /** schema version the release needs; default: the migration head the adapter reads */
  schemaVersion?: string | null;
  /** why it was taken, kept in the catalog manifest: "manual", "pre-deploy", "safety", "scheduled"; default "manual" */
  purpose?: string;
  /** the schedule slot (ms) a scheduled backup was taken for: one backup per slot */
  slot?: number;
  /** the count of scheduled backups this one is (1, 2, …): `backups.verifyEvery` verifies by it */
  sequence?: number;
  /** why this backup is left unverified on purpose; default: none, it waits for verification */
  unverified?: string;
}

/**
 * Takes a backup into `<dir>/<id>` and records it in the catalog. A backup that
 * fails halfway leaves no directory and no catalog row behind.
 */
export async function takeBackup(deps: DbDeps, options: TakeBackupOptions = {}): Promise<Backup> {
  const kind = options.kind ?? 'full';
  const startedAt = deps.clock.now();
  const id = newId('bk', startedAt);
  const path = join(deps.dir, id);
  let result;
  try {
    result = await deps.adapter.backup({
      kind,
      tables: options.tables,
      dir: path,
      guards: options.guards ?? null,
      schemaVersion: options.schemaVersion,
    });
  } catch (error) {
    await rm(path, { recursive: true, force: true });
    throw error;
  }
  const offsite = await copyOffsite(deps, id, result);
  const backup = await deps.store.addBackup({
    id,
    database: deps.adapter.name,
    kind,
    tables: result.tables,
    path: result.path,
    sizeBytes: result.sizeBytes,
    sha256: result.sha256,
    service: options.guards?.service ?? null,
    environment: options.guards?.environment ?? null,
    revision: options.guards?.revision ?? null,
    createdAt: deps.clock.now(),
    manifest: {
      ...result.manifest,
      purpose: options.purpose ?? 'manual',
      ...(options.slot !== undefined ? { slot: options.slot } : {}),
      ...(options.sequence !== undefined ? { sequence: options.sequence } : {}),
      verification: {
        status: 'pending',
        verifiedAt: null,
        restoreMs: null,
        detail: options.unverified ?? 'not verified yet',
        ...(options.unverified ? { skipped: true } : {}),
      },
      ...(offsite ? { offsite } : {}),
    },
  });
  await record(
    deps,
    'backup.created',
    `${kind} backup ${id} of ${deps.adapter.name} (${result.tables.length} tables, ${result.sizeBytes} bytes)`,
    {
      backupId: id,
      kind,
      sizeBytes: result.sizeBytes,
      durationMs: deps.clock.now() - startedAt,
      purpose: options.purpose ?? 'manual',
      ...(options.slot !== undefined ? { slot: options.slot } : {}),
    },
  );
  return backup;
}
