import { errorMessage } from '../core/errors.js';
import type { Lease } from '../core/model.js';
import { CONTROLLER_LEASE, controllerRunning, leaseTtlMs, newHolder, takeHostLock } from './lease.js';
import { deadline } from './deadline.js';
import type { AppContext } from './context.js';
import { holdLeaderLock, sessionEnded } from './leader-lock.js';

export interface LeadershipOptions {
  /** where this controller answers; followers forward writes there */
  address: string | null;
  /**
   * starts the term: `lease.token` fences every write of it. The controller is
   * leader only once this resolves; when it throws, it steps down and tries again.
   */
  onElected(lease: Lease): Promise<void>;
  /** stops acting at once: lost the lease, could not renew it in time, or the term could not start */
  onDeposed(reason: string): Promise<void>;
  /** a line for the controller's log */
  log(line: string): void;
}

export interface Leadership {
  holder: string;
  /** settles after the first election round (and, when elected, the start of the term) */
  ready: Promise<void>;
  leader(): boolean;
  /** the lease as last seen (held by this process or another) */
  lease(): Lease | null;
  /** steps down, releases the lease; safe to call twice */
  stop(): Promise<void>;
}

interface Term {
  token: number;
  /** true once the term has started: until then the controller is not leader */
  leading: boolean;
  releaseLock: (() => Promise<void>) | null;
}

/**
 * Leader election on the store's lease. Renewal runs on its own timer every third
 * of the lease and never waits for the term's work (its start included); a
 * watchdog timer stops a leader whose last renewal is two thirds of the lease
 * old, before the lease can expire and someone else take over, even while a store
 * call hangs; with none pending the lateness is this process's own, and it renews
 * first (a lapsed lease under the same token, if nobody took it). Every store call here has a deadline of a third of the lease.
 * Where the store has session locks (PostgreSQL), the leader holds the lock of
 * its token, and a follower that finds it free takes over at once: the leader's
 * session, and so the leader, is gone.
 */
export function startLeadership(ctx: AppContext, options: LeadershipOptions): Leadership {
  const store = ctx.store;
  const locks = store.sessionLocks;
  const ttlMs = leaseTtlMs(ctx);
  const holder = newHolder('controller');
  const within = <T>(what: string, work: Promise<T>) => deadline(work, Math.max(100, ttlMs / 3), what);
  let steal: boolean | null = null;
  let current: Lease | null = null;
  let term: Term | null = null;
  let renewedAt = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  let starting: Promise<void> = Promise.resolve();
  const endings = new Set<Promise<void>>();

  const depose = (reason: string) => {
    const ending = term;
    if (!ending) return;
    term = null;
    options.log(`stepping down: ${reason}`);
    const done = (async () => {
      await options.onDeposed(reason).catch((error: unknown) => options.log(`ending the term: ${errorMessage(error)}`));
      // the lock goes only once the term's work has stopped
      await ending.releaseLock?.();
    })();
    endings.add(done);
    void done.finally(() => endings.delete(done));
  };
  let renewing = false;
  // the clock when the renewal round in flight (or the last one) began
  let roundAt = 0;
  const every = Math.max(10, Math.min(250, ttlMs / 12));
  let checkedAt = ctx.clock.now();
  // when this timer last found itself running late: the process's own loop lagged
  let laggedAt = 0;
  // when the watchdog asked for a renewal of a late lease, until it is renewed
  let rescueAt: number | null = null;
  // A late renewal with no store call pending, or with this process's own loop lagging, is
  // its own stall (a starved CPU, a long stretch of work), not the store's: renew now, under
  // the same token if the lease lapsed and nobody took it (a change of hands bumps the token,
  // which fences the term's writes). A store call that hangs, or a lease taken, ends the term.
  const watchdog = setInterval(() => {
    const now = ctx.clock.now();
    if (now - checkedAt - every > ttlMs / 6) laggedAt = now;
    checkedAt = now;
    if (!term || now - renewedAt < (ttlMs * 2) / 3) {
      rescueAt = null;
      return;
    }
    // this process's own loop lagged while the round was pending: its answer may be waiting
    // behind that work, not hung; the round ends by its deadline, and then a renewal follows
    if (renewing && laggedAt >= roundAt) return;
    // one renewal per lateness, another only if the loop lagged while the last one ran
    if (!renewing && (rescueAt === null || laggedAt >= rescueAt)) {
      rescueAt = now;
      renewNow();
      return;
    }
    // A round begun before the renewal was late hangs: stop before the lease can expire. One
    // begun late runs to its deadline, past the lease's expiry only if it had lapsed by then.
    const late = roundAt - renewedAt >= (ttlMs * 2) / 3;
    const until = roundAt >= renewedAt + ttlMs ? roundAt + ttlMs / 3 : renewedAt + (ttlMs * 5) / 6;
    if (renewing && late && now < until) return;
    depose('the lease was not renewed in time');
  }, every);
  watchdog.unref();

  const elect = async (lease: Lease) => {
    const mine: Term = { token: lease.token, leading: false, releaseLock: null };
    term = mine;
    options.log(`elected with token ${lease.token}: starting the term`);
    try {
      // the last term's work has stopped before this one starts
      await Promise.allSettled([...endings]);
      if (locks) {
        mine.releaseLock = await holdLeaderLock(locks, lease, within, (error) => {
          if (term === mine) depose(`the leader lock's session ended (${errorMessage(error)})`);
        });
        // renewed after the lock is held: followers read a renewed lease as "its holder holds the lock"
        const at = Math.max(ctx.clock.now(), lease.acquiredAt + 1);
        const renewed = await within('renewing the lease', store.acquireLease(CONTROLLER_LEASE, holder, ttlMs, at));
        if (renewed?.token !== lease.token) throw new Error('the lease changed hands while the term started');
      }
      if (term !== mine) throw new Error('stepped down while the term started');
      await options.onElected(lease);
    } catch (error) {
      if (term !== mine) {
        await mine.releaseLock?.();
        return;
      }
      depose(`the term could not start: ${errorMessage(error)}`);
      // let any controller (this one too, next round) start it afresh
      await within('releasing the lease', store.releaseLease(CONTROLLER_LEASE, holder)).catch(() => undefined);
      return;
    }
    if (term !== mine || stopped) return;
    mine.leading = true;
    options.log(`leader with token ${lease.token}`);
  };

  // A command the CLI runs in its own process holds the host lock for a while: wait
  // for it as a follower. Another controller holds it for good: refuse to start.
  const hostLock = async (): Promise<boolean> => {
    if (steal !== null) return true;
    const taken = takeHostLock(ctx);
    if (taken) {
      steal = taken.steal;
      return true;
    }
    const lease = await store.getLease(CONTROLLER_LEASE);
    if (!lease?.holder.startsWith('cli@'))
      throw controllerRunning(ctx, 'stop it first or use another controller.stateDir');
    options.log(`waiting for ${lease.holder} (a rewind command running in its own process) to finish`);
    return false;
  };

  const tick = async () => {
    if (!(await hostLock())) return;
    const now = ctx.clock.now();
    roundAt = now;
    renewing = true;
    try {
      let ended: number | null = null;
      if (!term && locks) {
        current = await within('reading the lease', store.getLease(CONTROLLER_LEASE));
        if (current && current.holder !== holder && current.expiresAt > now) {
          if (!(await sessionEnded(locks, current, within))) return;
          ended = current.token;
          options.log(`the session of ${current.holder} (token ${current.token}) ended: taking over`);
        }
      }
      const lease = await within(
        'renewing the lease',
        store.acquireLease(CONTROLLER_LEASE, holder, ttlMs, now, {
          address: options.address,
          canSteal: (seen) => steal === true || seen.token === ended,
          ...(term ? { renewLapsed: term.token } : {}),
        }),
      );
      if (stopped) return;
      if (!lease) {
        current = await within('reading the lease', store.getLease(CONTROLLER_LEASE));
        depose(`controller ${current?.holder ?? '?'} holds the lease with token ${current?.token ?? '?'}`);
        return;
      }
      current = lease;
      if (term && lease.token !== term.token) {
        depose(`the lease changed hands (token ${lease.token})`);
        return;
      }
      renewedAt = now;
      if (!term) starting = elect(lease);
    } catch (error) {
      options.log(`lease: ${errorMessage(error)}`);
    } finally {
      renewing = false;
    }
  };
  const next = () => {
    round = tick()
      .catch((error: unknown) => options.log(`lease: ${errorMessage(error)}`))
      .finally(schedule);
  };
  const renewNow = () => {
    if (stopped) return;
    clearTimeout(timer);
    renewing = true;
    void round.finally(next);
  };
  const schedule = () => {
    if (stopped) return;
    // a follower tries again right when the lease it saw expires, and looks at the leader lock often
    const untilExpiry = !term && current ? current.expiresAt - ctx.clock.now() + 20 : Infinity;
    const pace = !term && locks ? Math.min(250, ttlMs / 3) : ttlMs / 3;
    timer = setTimeout(next, Math.max(20, Math.min(pace, untilExpiry)));
  };
  // errors of the first round (another controller runs here) fail the start
  const first = tick();
  round = first.catch(() => undefined).finally(schedule);

  return {
    holder,
    ready: first.then(() => starting),
    leader: () => term?.leading === true,
    lease: () => current,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      await round.catch(() => undefined);
      const was = term !== null;
      depose('the controller is stopping');
      await starting;
      await Promise.allSettled([...endings]);
      if (was) await within('releasing the lease', store.releaseLease(CONTROLLER_LEASE, holder)).catch(() => undefined);
    },
  };
}
