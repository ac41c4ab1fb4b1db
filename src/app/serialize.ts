import { conflict } from '../core/errors.js';
import type { AppContext } from './context.js';

const queues = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * Runs `work` after every earlier piece of work on the same service and
 * environment in this controller has ended: a deploy's traffic moves and a
 * rollback never interleave. Only the leader acts, so one process is enough;
 * the store's one-live-release constraint backs it up.
 */
export function serialized<T>(
  ctx: AppContext,
  service: string,
  environment: string,
  work: () => Promise<T>,
): Promise<T> {
  let byKey = queues.get(ctx.root);
  if (!byKey) queues.set(ctx.root, (byKey = new Map()));
  const key = `${service}\u0000${environment}`;
  const before = byKey.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  const tail = mine.catch(() => undefined);
  byKey.set(key, tail);
  void tail.then(() => {
    if (byKey.get(key) === tail) byKey.delete(key);
  });
  return mine;
}

/**
 * A deploy stops acting once a rollback of its service was requested after it
 * began: the rollback decides where traffic goes.
 */
export async function assertNoRollbackSince(
  ctx: AppContext,
  service: string,
  environment: string,
  since: number,
): Promise<void> {
  const [latest] = await ctx.store.listRollbacks({ service, environment, limit: 1 });
  if (latest && latest.createdAt >= since) {
    throw conflict(
      `rollback ${latest.id} of ${service} in ${environment} was requested during this deploy; the deploy stops here`,
    );
  }
}
