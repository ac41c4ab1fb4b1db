import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Backup } from '../../src/core/model.js';
import type { BackupManifest } from '../../src/core/ports/database.js';
import type { Store } from '../../src/core/ports/store.js';
import { describeFiles, MANIFEST_FILE, writeManifest } from '../../src/database/shared/manifest.js';
import { withPg } from '../database/pg-fixtures.js';

/** Polls `check` every 250 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Scratch databases verification left behind on the server (there must be none). */
export const scratchDatabases = (url: string): Promise<string[]> =>
  withPg(url, async (c) =>
    (
      await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'rewind_verify_%'")
    ).rows.map((r) => r.datname),
  );

/**
 * A dump that was bad from the start (what a pg_dump bug or a bad script would
 * write): the largest table-data file of a PostgreSQL backup is replaced by rows
 * that do not fit the table, and the manifest and catalog checksums are written
 * for the broken files, so the checksums pass and only a restore shows it.
 */
export async function breakDump(store: Store, backup: Backup): Promise<Backup> {
  const manifest = JSON.parse(await readFile(join(backup.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
  const data = manifest.files
    .filter((f) => /^dump\/\d+\.dat(\.gz)?$/.test(f.name))
    .sort((a, b) => b.sizeBytes - a.sizeBytes)[0];
  if (!data) throw new Error(`no table data file in ${backup.path}`);
  const garbage = Buffer.from('not\ta\trow\tof\tthis\ttable\n'.repeat(20) + '\\.\n');
  await writeFile(join(backup.path, data.name), data.name.endsWith('.gz') ? gzipSync(garbage) : garbage);
  const files = await describeFiles(backup.path);
  const { sha256 } = await writeManifest(backup.path, { ...manifest, files });
  await store.deleteBackup(backup.id);
  const { id, ...rest } = backup;
  return store.addBackup({ ...rest, id, sha256 });
}
