import { createHash, randomBytes } from 'node:crypto';
import type { BackupManifest, ValidationCheck, ValidationQuery } from '../../core/ports/database.js';

/**
 * What every scratch copy of one source database starts with:
 * `rewind_verify_<8 hex of its name>_`, so the clean-up after a crash drops the
 * copies of this database only, never those of another database on the server.
 */
export const scratchPrefix = (source: string): string =>
  `rewind_verify_${createHash('sha256').update(source).digest('hex').slice(0, 8)}_`;

/** A scratch database or schema name no one else uses: the source's prefix and 16 random hex (39 characters). */
export const scratchName = (source: string): string => `${scratchPrefix(source)}${randomBytes(8).toString('hex')}`;

/** What a restored copy must hold: the manifest's tables, and their row counts unless it is schema-only. */
export function expectationsOf(manifest: BackupManifest): { tables: string[]; rowCounts: Record<string, number> } {
  return { tables: manifest.tables, rowCounts: manifest.kind === 'schema' ? {} : manifest.rowCounts };
}

/** A configured query passes when the first column of its first row is true, non-zero or "t". */
export function queryCheck(query: ValidationQuery, row: Record<string, unknown> | undefined): ValidationCheck {
  const value = row ? Object.values(row)[0] : undefined;
  const ok =
    value === true ||
    value === 't' ||
    (value !== null && value !== undefined && Number(value) !== 0 && value !== false && value !== 'f');
  return { name: `query ${query.name}`, ok, detail: `returned ${row ? JSON.stringify(value) : 'no row'}` };
}

/** A query that threw is a failed check with the engine's message. */
export const queryFailed = (query: ValidationQuery, error: unknown): ValidationCheck => ({
  name: `query ${query.name}`,
  ok: false,
  detail: error instanceof Error ? error.message : String(error),
});

/** A restore that failed is one failed check; nothing else is checked on a copy that did not load. */
export const restoreFailed = (error: unknown): ValidationCheck => ({
  name: 'restore into scratch copy',
  ok: false,
  detail: error instanceof Error ? error.message : String(error),
});
