import type { Lease } from '../core/model.js';
import type { SessionLocks } from '../core/ports/store.js';

type Within = <T>(what: string, work: Promise<T>) => Promise<T>;

/**
 * Takes the session lock of the lease's token. A follower probing it holds it for
 * a moment, so a few tries are made before the term gives up.
 */
export async function holdLeaderLock(
  locks: SessionLocks,
  lease: Lease,
  within: Within,
  lost: (error: Error) => void,
): Promise<() => Promise<void>> {
  for (let tries = 0; tries < 10; tries++) {
    const release = await within('taking the leader lock', locks.hold(lease.name, lease.token, lost));
    if (release) return release;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the leader lock of token ${lease.token} is held by another session`);
}

/**
 * True when the lease's holder is a controller whose session is gone: it renewed
 * its lease (which a controller does only once it holds the lock of its token),
 * and that lock is now free. A command the CLI runs holds no lock and is never
 * taken over this way; nor is a leader still starting its term.
 */
export async function sessionEnded(locks: SessionLocks, lease: Lease, within: Within): Promise<boolean> {
  if (!lease.holder.startsWith('controller@') || lease.renewedAt <= lease.acquiredAt) return false;
  return within('probing the leader lock', locks.free(lease.name, lease.token));
}
