import type { SessionRecord } from '../../core/ports/store.js';
import { toSession } from '../shared/session-row.js';
import type { Db } from './db.js';

/** Dashboard sessions: hashes of the cookie and of the token, never either one. */
export function sessionQueries(db: Db) {
  return {
    createSession: async (session: SessionRecord): Promise<void> => {
      await db.query(
        'INSERT INTO sessions (id_hash, token_hash, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $5)',
        [session.idHash, session.tokenHash, session.csrf, session.createdAt, session.lastSeen],
      );
    },
    findSession: async (idHash: string): Promise<SessionRecord | null> => {
      const [row] = await db.query('SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
      return row ? toSession(row) : null;
    },
    touchSession: async (idHash: string, at: number): Promise<void> => {
      await db.query('UPDATE sessions SET last_seen = GREATEST(last_seen, $1) WHERE id_hash = $2', [at, idHash]);
    },
    deleteSession: async (idHash: string): Promise<void> => {
      await db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },
    pruneSessions: async (before: number): Promise<number> =>
      (await db.query('DELETE FROM sessions WHERE last_seen < $1 RETURNING 1', [before])).length,
  };
}
