import type { Database } from 'better-sqlite3';
import { isRole } from '../../core/access.js';
import { conflict } from '../../core/errors.js';
import type { NewToken, TokenRecord } from '../../core/ports/store.js';

type Row = Record<string, unknown>;

function toToken(row: Row): TokenRecord {
  const role = String(row.role);
  return {
    name: String(row.name),
    // an unknown role (a row from a newer Rewind) grants the least
    role: isRole(role) ? role : 'viewer',
    environments: row.environments == null ? null : (JSON.parse(String(row.environments)) as string[]),
    hash: String(row.hash),
    createdBy: String(row.created_by),
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at == null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at == null ? null : Number(row.revoked_at),
  };
}

/** API tokens: only their SHA-256 hashes are kept. */
export function tokenQueries(db: Database) {
  return {
    createToken: async (input: NewToken, at: number): Promise<TokenRecord> => {
      try {
        db.prepare(
          `INSERT INTO tokens (name, role, environments, hash, created_by, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          input.name,
          input.role,
          input.environments ? JSON.stringify(input.environments) : null,
          input.hash,
          input.createdBy,
          at,
          input.expiresAt,
        );
      } catch (error) {
        if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
          throw conflict(`a token named "${input.name}" exists — revoke it first: rewind token revoke ${input.name}`);
        }
        throw error;
      }
      return toToken(db.prepare('SELECT * FROM tokens WHERE hash = ?').get(input.hash) as Row);
    },
    findTokenByHash: async (hash: string): Promise<TokenRecord | null> => {
      const row = db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined;
      return row ? toToken(row) : null;
    },
    listTokens: async (): Promise<TokenRecord[]> =>
      (db.prepare('SELECT * FROM tokens WHERE revoked_at IS NULL ORDER BY created_at, rowid').all() as Row[]).map(
        toToken,
      ),
    revokeToken: async (name: string, at: number): Promise<boolean> =>
      db.prepare('UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(at, name).changes > 0,
  };
}
