import type { Database } from 'better-sqlite3';
import { fenced } from '../../core/errors.js';
import type { Fence, Lease } from '../../core/model.js';
import type { Store } from '../../core/ports/store.js';
import { STORE_WRITES } from '../../core/ports/store.js';

type Row = Record<string, unknown>;
type LeaseOptions = NonNullable<Parameters<Store['acquireLease']>[4]>;

const toLease = (r: Row): Lease => ({
  name: String(r.name),
  holder: String(r.holder),
  token: Number(r.token),
  address: r.address === null ? null : String(r.address),
  acquiredAt: Number(r.acquired_at),
  renewedAt: Number(r.renewed_at),
  expiresAt: Number(r.expires_at),
});

/** The lease rows and their fencing tokens. */
export function leaseQueries(db: Database) {
  const get = (name: string): Lease | null => {
    const row = db.prepare('SELECT * FROM leases WHERE name = ?').get(name) as Row | undefined;
    return row ? toLease(row) : null;
  };
  const take = db.transaction(
    (name: string, holder: string, ttlMs: number, at: number, options: LeaseOptions): Lease | null => {
      const lease = get(name);
      const renewing =
        lease !== null &&
        lease.holder === holder &&
        (lease.expiresAt > at || (lease.token === options.renewLapsed && lease.expiresAt > 0));
      if (lease && !renewing && lease.expiresAt > at && !(options.canSteal?.(lease) ?? false)) return null;
      if (renewing) {
        db.prepare('UPDATE leases SET renewed_at = ?, expires_at = ? WHERE name = ?').run(at, at + ttlMs, name);
      } else {
        // a new holder: the next token, never reused (a released lease keeps its row)
        db.prepare(
          `INSERT INTO leases (name, holder, token, address, acquired_at, renewed_at, expires_at) VALUES (?, ?, 1, ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, token = leases.token + 1, address = excluded.address,
             acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`,
        ).run(name, holder, options.address ?? null, at, at, at + ttlMs);
      }
      return get(name);
    },
  );
  return {
    acquireLease: async (name: string, holder: string, ttlMs: number, at: number, options: LeaseOptions = {}) =>
      take.immediate(name, holder, ttlMs, at, options),
    getLease: async (name: string) => get(name),
    releaseLease: async (name: string, holder: string) => {
      db.prepare('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?').run(name, holder);
    },
  };
}

/**
 * A view of `store` whose writes check the fence first, inside one immediate
 * transaction with the write, so nothing commits under a superseded token.
 */
export function fencedSqliteStore(store: Store, db: Database, fence: Fence): Store {
  const check = () => {
    const row = db.prepare('SELECT token FROM leases WHERE name = ?').get(fence.name) as { token: number } | undefined;
    if (row?.token !== fence.token) throw fenced(fence, row?.token ?? null);
  };
  const view: Store = { ...store, fence, fenced: (other) => fencedSqliteStore(store, db, other) };
  for (const name of STORE_WRITES) {
    const write = store[name] as (...args: unknown[]) => Promise<unknown>;
    (view as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      let result: Promise<unknown> = Promise.resolve();
      try {
        // better-sqlite3 runs the write's statements synchronously inside this call
        db.transaction(() => {
          check();
          result = write(...args);
        }).immediate();
      } catch (error) {
        return Promise.reject(error);
      }
      return result;
    };
  }
  return view;
}
