import type { SessionRecord } from '../../core/ports/store.js';

/** A `sessions` row as both stores return it. */
export const toSession = (row: Record<string, unknown>): SessionRecord => ({
  idHash: String(row.id_hash),
  tokenHash: String(row.token_hash),
  csrf: String(row.csrf),
  createdAt: Number(row.created_at),
  lastSeen: Number(row.last_seen),
});
