import { fenced } from '../../core/errors.js';
import type { Fence, Lease } from '../../core/model.js';
import type { Store } from '../../core/ports/store.js';
import type { Db } from './db.js';

type Row = Record<string, unknown>;

const toLease = (r: Row): Lease => ({
  name: String(r.name),
  holder: String(r.holder),
  token: Number(r.token),
  address: r.address === null ? null : String(r.address),
  acquiredAt: Number(r.acquired_at),
  renewedAt: Number(r.renewed_at),
  expiresAt: Number(r.expires_at),
});

/** Lease rows with their fencing tokens; several controllers compete for them. */
export function leaseQueries(db: Db) {
  const get = async (name: string) => {
    const [row] = await db.query('SELECT * FROM leases WHERE name = $1', [name]);
    return row ? toLease(row) : null;
  };
  return {
    acquireLease: (
      name: string,
      holder: string,
      ttlMs: number,
      at: number,
      options: NonNullable<Parameters<Store['acquireLease']>[4]> = {},
    ) =>
      db.tx(async (tx) => {
        // an election never waits long on a lock: the next round tries again
        await tx.query("SET LOCAL lock_timeout = '2s'");
        // The holder renewing its lease changes no token: a no-key update, which does not
        // wait for fenced writes (they hold the row FOR KEY SHARE). Under a steady stream
        // of writes a renewal that waited for them missed its deadline and ended the term.
        const [renewed] = await tx.query(
          `UPDATE leases SET renewed_at = $1, expires_at = $2
           WHERE name = $3 AND holder = $4 AND (expires_at > $1 OR (token = $5::bigint AND expires_at > 0)) RETURNING *`,
          [at, at + ttlMs, name, holder, options.renewLapsed ?? null],
        );
        if (renewed) return toLease(renewed as Row);
        await tx.query(
          'INSERT INTO leases (name, holder, token, address, acquired_at, renewed_at, expires_at) VALUES ($1, $2, 0, NULL, 0, 0, 0) ON CONFLICT (name) DO NOTHING',
          [name, '(nobody)'],
        );
        // FOR UPDATE waits for fenced writes holding the row FOR KEY SHARE: a new token
        // is handed out only after the old holder's last write has committed
        const [row] = await tx.query('SELECT * FROM leases WHERE name = $1 FOR UPDATE', [name]);
        const lease = toLease(row as Row);
        const renewing =
          lease.holder === holder &&
          (lease.expiresAt > at || (lease.token === options.renewLapsed && lease.expiresAt > 0));
        if (!renewing && lease.expiresAt > at && !(options.canSteal?.(lease) ?? false)) return null;
        const [saved] = renewing
          ? await tx.query('UPDATE leases SET renewed_at = $1, expires_at = $2 WHERE name = $3 RETURNING *', [
              at,
              at + ttlMs,
              name,
            ])
          : await tx.query(
              `UPDATE leases SET holder = $1, token = token + 1, address = $2, acquired_at = $3, renewed_at = $3, expires_at = $4
               WHERE name = $5 RETURNING *`,
              [holder, options.address ?? null, at, at + ttlMs, name],
            );
        return toLease(saved as Row);
      }),
    getLease: get,
    releaseLease: async (name: string, holder: string) => {
      await db.query('UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2', [name, holder]);
    },
  };
}

/** Checks the fence inside the write's transaction, holding the lease row until it commits. */
export async function checkFence(tx: Db, fence: Fence): Promise<void> {
  const [row] = await tx.query<{ token: string }>('SELECT token FROM leases WHERE name = $1 FOR KEY SHARE', [
    fence.name,
  ]);
  const token = row ? Number(row.token) : null;
  if (token !== fence.token) throw fenced(fence, token);
}
