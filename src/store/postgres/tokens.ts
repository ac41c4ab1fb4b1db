import { isRole } from '../../core/access.js';
import { conflict } from '../../core/errors.js';
import type { NewToken, TokenRecord } from '../../core/ports/store.js';
import type { Db } from './db.js';

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
export function tokenQueries(db: Db) {
  return {
    createToken: async (input: NewToken, at: number): Promise<TokenRecord> => {
      try {
        const [row] = await db.query(
          `INSERT INTO tokens (name, role, environments, hash, created_by, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [
            input.name,
            input.role,
            input.environments ? JSON.stringify(input.environments) : null,
            input.hash,
            input.createdBy,
            at,
            input.expiresAt,
          ],
        );
        return toToken(row as Row);
      } catch (error) {
        if ((error as { code?: string }).code === '23505') {
          throw conflict(`a token named "${input.name}" exists — revoke it first: rewind token revoke ${input.name}`);
        }
        throw error;
      }
    },
    findTokenByHash: async (hash: string): Promise<TokenRecord | null> => {
      const [row] = await db.query('SELECT * FROM tokens WHERE hash = $1', [hash]);
      return row ? toToken(row) : null;
    },
    listTokens: async (): Promise<TokenRecord[]> =>
      (await db.query('SELECT * FROM tokens WHERE revoked_at IS NULL ORDER BY created_at, id')).map(toToken),
    revokeToken: async (name: string, at: number): Promise<boolean> =>
      (
        await db.query('UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL RETURNING 1', [
          at,
          name,
        ])
      ).length > 0,
  };
}
