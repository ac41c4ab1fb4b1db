import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { BackupManifest, ValidationCheck } from '../../core/ports/database.js';

/** The manifest lives beside the dump. */
export const MANIFEST_FILE = 'manifest.json';

/** A backup goes into its own new directory; an existing non-empty one is refused. */
export async function ensureEmptyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if ((await readdir(dir)).length > 0)
    throw new UserError('BACKUP_DIR_NOT_EMPTY', `backup directory ${dir} already holds files — pick a new one`);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir` except the manifest, as paths relative to `dir`, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((name) => name !== MANIFEST_FILE)
    .sort();
}

/** sha256 and size of every file of a backup directory. */
export async function describeFiles(dir: string): Promise<BackupManifest['files']> {
  const names = await listFiles(dir);
  return Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const [info, sha256] = await Promise.all([stat(path), sha256File(path)]);
      return { name, sizeBytes: info.size, sha256 };
    }),
  );
}

/** Writes manifest.json; returns its sha256 and the backup's total size. */
export async function writeManifest(
  dir: string,
  manifest: BackupManifest,
): Promise<{ sha256: string; sizeBytes: number }> {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const path = join(dir, MANIFEST_FILE);
  await writeFile(path, text, { mode: 0o600 });
  const sizeBytes = manifest.files.reduce((sum, f) => sum + f.sizeBytes, 0) + Buffer.byteLength(text);
  return { sha256: createHash('sha256').update(text).digest('hex'), sizeBytes };
}

export async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new UserError('BACKUP_NOT_FOUND', `no ${MANIFEST_FILE} in ${dir} — is this a Rewind backup directory?`, {
      status: 404,
    });
  }
  try {
    return JSON.parse(text) as BackupManifest;
  } catch {
    throw new UserError('BACKUP_CORRUPT', `${join(dir, MANIFEST_FILE)} is not valid JSON — the backup is damaged`);
  }
}

/**
 * The checksum half of `verify(path)`: the manifest's own sha256 (when the
 * catalog knows it), then size and sha256 of every file, and no stray files.
 */
export async function checkFiles(
  dir: string,
  expectedManifestSha?: string,
): Promise<{ manifest: BackupManifest | null; checks: ValidationCheck[] }> {
  const checks: ValidationCheck[] = [];
  let manifest: BackupManifest;
  try {
    manifest = await readManifest(dir);
  } catch (error) {
    checks.push({ name: 'manifest', ok: false, detail: (error as Error).message });
    return { manifest: null, checks };
  }
  if (expectedManifestSha) {
    const actual = await sha256File(join(dir, MANIFEST_FILE));
    checks.push({
      name: 'manifest checksum',
      ok: actual === expectedManifestSha,
      detail:
        actual === expectedManifestSha
          ? `sha256 ${actual.slice(0, 12)}…`
          : `sha256 ${actual.slice(0, 12)}… but the catalog recorded ${expectedManifestSha.slice(0, 12)}…`,
    });
  }
  const bad: string[] = [];
  for (const file of manifest.files) {
    const path = join(dir, file.name);
    try {
      const info = await stat(path);
      if (info.size !== file.sizeBytes) bad.push(`${file.name}: ${info.size} bytes, expected ${file.sizeBytes}`);
      else if ((await sha256File(path)) !== file.sha256) bad.push(`${file.name}: sha256 mismatch`);
    } catch {
      bad.push(`${file.name}: missing`);
    }
  }
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const name of await listFiles(dir)) if (!listed.has(name)) bad.push(`${name}: not in the manifest`);
  checks.push({
    name: 'file checksums',
    ok: bad.length === 0,
    detail: bad.length === 0 ? `${manifest.files.length} files match their sha256` : bad.slice(0, 10).join('; '),
  });
  return { manifest, checks };
}

/** Throws BACKUP_CORRUPT naming the failed checks, when any failed. */
export function assertChecks(dir: string, checks: ValidationCheck[]): void {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) {
    throw new UserError(
      'BACKUP_CORRUPT',
      `backup ${dir} failed verification — refusing to use it: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      {
        details: checks,
      },
    );
  }
}
