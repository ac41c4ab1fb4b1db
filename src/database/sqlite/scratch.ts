import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { BackupManifest, ScratchRestore, ValidationQuery } from '../../core/ports/database.js';
import { expectationsOf, queryCheck, queryFailed, restoreFailed } from '../shared/scratch.js';
import { sqliteValidate } from './validate.js';

/** Scratch copies of a database file live beside it, in `.rewind-verify-<file name>-<random>` directories. */
const scratchPrefix = (database: string) => `.rewind-verify-${basename(database)}-`;

/**
 * Verification by restore: the backup's file is copied to a temporary file
 * beside the database (the same disk, as a restore would write) and opened as
 * the database would be after a restore; the same validation runs on it, then
 * the file is removed whatever happened.
 */
export async function sqliteRestoreToScratch(
  file: string,
  request: { database: string; manifest: BackupManifest; queries: ValidationQuery[] },
): Promise<ScratchRestore> {
  const dir = await mkdtemp(join(dirname(request.database), scratchPrefix(request.database)));
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

/** The scratch directories a verification interrupted by a crash left beside the database file: removed, names returned. */
export async function sqliteDropScratchCopies(database: string): Promise<string[]> {
  const prefix = scratchPrefix(database);
  const left = (await readdir(dirname(database)).catch(() => [])).filter((n) => n.startsWith(prefix)).sort();
  for (const name of left) await rm(join(dirname(database), name), { recursive: true, force: true });
  return left;
}
