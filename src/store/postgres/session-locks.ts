import pg from 'pg';
import type { SessionLocks } from '../../core/ports/store.js';

type Connection = ConstructorParameters<typeof pg.Client>[0];

/**
 * Session-level advisory locks, one per lease token: the leader holds the lock of
 * its token on a connection of its own, and PostgreSQL drops it the moment that
 * session ends (SIGKILL, a crash, a closed socket). A follower that finds the
 * lock of the current token free knows its holder is gone and may take over at
 * once instead of waiting for the lease to expire. The key is the schema and
 * lease name, so projects sharing one database never meet.
 */
export function postgresSessionLocks(
  connection: Connection,
  schema: string,
): SessionLocks & { close(): Promise<void> } {
  const key = (name: string) => `${schema}.${name}`;
  const held = new Set<pg.Client>();
  let probe: Promise<pg.Client> | null = null;
  let closed = false;

  const connect = async (onEnd: (error: Error) => void): Promise<pg.Client> => {
    const client = new pg.Client(connection);
    client.on('error', onEnd);
    client.on('end', () => onEnd(new Error('the lock session ended')));
    await client.connect();
    return client;
  };
  // followers ask often: one connection of their own, made again when it breaks
  const prober = () => {
    probe ??= connect(() => {
      const broken = probe;
      probe = null;
      void broken?.then((c) => c.end()).catch(() => undefined);
    }).catch((error: unknown) => {
      probe = null;
      throw error;
    });
    return probe;
  };

  return {
    async hold(name, token, lost) {
      // only a lock actually held can be lost
      let ended = true;
      const client = await connect((error) => {
        if (ended) return;
        ended = true;
        held.delete(client);
        lost(error);
      });
      held.add(client);
      const [row] = (await client.query('SELECT pg_try_advisory_lock(hashtext($1), $2) AS got', [key(name), token]))
        .rows as { got: boolean }[];
      const release = async () => {
        ended = true;
        held.delete(client);
        await client.end().catch(() => undefined);
      };
      if (!row?.got) {
        await release();
        return null;
      }
      ended = false;
      return release;
    },
    async free(name, token) {
      if (closed) return false;
      const client = await prober();
      const [row] = (await client.query('SELECT pg_try_advisory_lock(hashtext($1), $2) AS got', [key(name), token]))
        .rows as { got: boolean }[];
      if (!row?.got) return false;
      await client.query('SELECT pg_advisory_unlock(hashtext($1), $2)', [key(name), token]);
      return true;
    },
    async close() {
      closed = true;
      const ending = [...held].map((c) => c.end().catch(() => undefined));
      held.clear();
      const p = probe;
      probe = null;
      await Promise.all([...ending, p?.then((c) => c.end()).catch(() => undefined)]);
    },
  };
}
