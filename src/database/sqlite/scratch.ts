import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BackupManifest, ScratchRestore, ValidationQuery } from '../../core/ports/database.js';
import { expectationsOf, queryCheck, queryFailed, restoreFailed } from '../shared/scratch.js';
import { sqliteValidate } from './validate.js';

/**
 * Verification by restore: the backup's file is copied to a temporary file and
 * opened as the database would be after a restore; the same validation runs on
 * it, then the file is removed whatever happened.
 */
export async function sqliteRestoreToScratch(
  file: string,
  request: { manifest: BackupManifest; queries: ValidationQuery[] },
): Promise<ScratchRestore> {
  const dir = await mkdtemp(join(tmpdir(), 'rewind-verify-'));
  try {
    const started = Date.now();
    let copy: Database.Database;
    try {
      await copyFile(file, join(dir, 'scratch.sqlite'));
      copy = new Database(join(dir, 'scratch.sqlite'), { fileMustExist: true });
      copy.pragma('foreign_keys = ON');
    } catch (error) {
      return { restoreMs: Date.now() - started, checks: [restoreFailed(error)] };
    }
    const restoreMs = Date.now() - started;
    try {
      const checks = sqliteValidate(copy, expectationsOf(request.manifest));
      for (const query of request.queries) {
        try {
          checks.push(queryCheck(query, copy.prepare(query.sql).get() as Record<string, unknown> | undefined));
        } catch (error) {
          checks.push(queryFailed(query, error));
        }
      }
      return { restoreMs, checks };
    } catch (error) {
      return { restoreMs, checks: [restoreFailed(error)] };
    } finally {
      copy.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
