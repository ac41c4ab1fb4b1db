import type { Database } from 'better-sqlite3';
import type { SessionRecord } from '../../core/ports/store.js';
import { toSession } from '../shared/session-row.js';

type Row = Record<string, unknown>;
/** Dashboard sessions: hashes of the cookie and of the token, never either one. */
export function sessionQueries(db: Database) {
  return {
    createSession: async (session: SessionRecord): Promise<void> => {
      db.prepare('INSERT INTO sessions (id_hash, token_hash, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)').run(
        session.idHash,
        session.tokenHash,
        session.csrf,
        session.createdAt,
        session.lastSeen,
      );
    },
    findSession: async (idHash: string): Promise<SessionRecord | null> => {
      const row = db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as Row | undefined;
      return row ? toSession(row) : null;
    },
    touchSession: async (idHash: string, at: number): Promise<void> => {
      db.prepare('UPDATE sessions SET last_seen = MAX(last_seen, ?) WHERE id_hash = ?').run(at, idHash);
    },
    deleteSession: async (idHash: string): Promise<void> => {
      db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
    },
    pruneSessions: async (before: number): Promise<number> =>
      db.prepare('DELETE FROM sessions WHERE last_seen < ?').run(before).changes,
  };
}
