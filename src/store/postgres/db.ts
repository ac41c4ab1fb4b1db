import type pg from 'pg';

/** What the queries need: plain queries, and a transaction that hands them a connection of their own. */
export interface Db {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** runs `work` in one transaction; inside a transaction it simply joins it */
  tx<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

export function clientDb(client: pg.PoolClient): Db {
  const db: Db = {
    query: async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[],
    tx: (work) => work(db),
  };
  return db;
}

export function poolDb(pool: pg.Pool): Db {
  return {
    query: async <R>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as R[],
    async tx(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // the server may end this session while we hold it (a frozen process, a restart):
      // that fails the transaction, never the process
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(clientDb(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.off('error', onError);
        // a connection that could not even roll back is not handed out again
        client.release(broken);
      }
    },
  };
}

/** `WHERE a = $1 AND b IN ($2, $3)` from optional filters, numbering from `start`. */
export function where(filters: Record<string, unknown>, start = 1): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  for (const [condition, value] of Object.entries(filters)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (Array.isArray(value)) {
      parts.push(`${condition} IN (${value.map((_, i) => `$${start + args.length + i}`).join(',')})`);
      args.push(...value);
    } else {
      parts.push(`${condition} $${start + args.length}`);
      args.push(value);
    }
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

/** PostgreSQL's unique_violation on the named constraint or index. */
export const violates = (error: unknown, constraint: string): boolean =>
  (error as { code?: string; constraint?: string }).code === '23505' &&
  (error as { constraint?: string }).constraint === constraint;
