import type { AppContext } from '../context.js';
import type { DatabaseHandle } from './database-for.js';

/**
 * The tables a database at `schemaVersion` must have ("from the backup
 * manifest or the migration head"): those of the newest full or schema backup
 * taken at that version. Row counts are not expected: writes went on since.
 */
export async function expectedTables(
  ctx: AppContext,
  db: DatabaseHandle,
  schemaVersion: string | null,
): Promise<{ tables: string[]; from: string | null }> {
  const backups = await ctx.store.listBackups({ database: db.name });
  const match = backups.find((b) => b.kind !== 'tables' && (b.manifest.schemaVersion ?? null) === schemaVersion);
  return match ? { tables: match.tables, from: match.id } : { tables: [], from: null };
}
