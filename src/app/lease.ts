import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseDuration } from '../core/duration.js';
import { ExitCode, UserError, errorMessage } from '../core/errors.js';
import type { Lease } from '../core/model.js';
import type { Store } from '../core/ports/store.js';
import type { AppContext } from './context.js';

/** The lease every controller of a project competes for. */
export const CONTROLLER_LEASE = 'controller';

export interface LeadershipOptions {
  /** where this controller answers; followers forward writes there */
  address: string | null;
  /** becomes leader: `lease.token` fences every write of this term */
  onElected(lease: Lease): Promise<void>;
  /** stops acting at once: lost the lease, or could not renew it in time */
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

export const leaseTtlMs = (ctx: AppContext): number => parseDuration(ctx.loaded.config.controller.leaseDuration);

export const newHolder = (role: string): string =>
  `${role}@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

const running = (ctx: AppContext, what: string) =>
  new UserError('CONTROLLER_RUNNING', `a controller already runs on ${ctx.loaded.stateDir}; ${what}`, {
    exitCode: ExitCode.failed,
    status: 409,
  });

/**
 * Takes the host lock where the store has one (SQLite: one controller per state
 * dir). Holding it proves any earlier holder of the lease is gone, so its lease
 * may be taken at once instead of waiting for it to expire. Returns null while
 * another process holds it.
 */
export function takeHostLock(ctx: AppContext): { steal: boolean } | null {
  if (!ctx.store.holdHostLock) return { steal: false };
  const release = ctx.store.holdHostLock();
  if (!release) return null;
  ctx.cleanup.push(release);
  return { steal: true };
}

/**
 * Leader election on the store's lease, renewed every third of its duration. A
 * leader that cannot renew stops acting once two thirds have passed since its
 * last renewal, before the lease can expire and someone else take over; a
 * follower keeps trying and takes over when the lease expires.
 */
export function startLeadership(ctx: AppContext, options: LeadershipOptions): Leadership {
  const ttlMs = leaseTtlMs(ctx);
  const holder = newHolder('controller');
  let steal: boolean | null = null;
  let current: Lease | null = null;
  let leading = false;
  let renewedAt = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> = Promise.resolve();

  const depose = async (reason: string) => {
    if (!leading) return;
    leading = false;
    options.log(`stepping down: ${reason}`);
    await options.onDeposed(reason);
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
    const lease = await ctx.store.getLease(CONTROLLER_LEASE);
    if (!lease?.holder.startsWith('cli@')) throw running(ctx, 'stop it first or use another controller.stateDir');
    options.log(`waiting for ${lease.holder} (a rewind command running in its own process) to finish`);
    return false;
  };
  const tick = async () => {
    if (!(await hostLock())) return;
    const now = ctx.clock.now();
    if (leading && now - renewedAt >= (ttlMs * 2) / 3) await depose('the lease was not renewed in time');
    try {
      const lease = await ctx.store.acquireLease(CONTROLLER_LEASE, holder, ttlMs, now, {
        address: options.address,
        canSteal: () => steal === true,
      });
      if (stopped) return;
      if (!lease) {
        current = await ctx.store.getLease(CONTROLLER_LEASE);
        await depose(`controller ${current?.holder ?? '?'} holds the lease with token ${current?.token ?? '?'}`);
        return;
      }
      if (leading && lease.token !== current?.token) await depose(`the lease changed hands (token ${lease.token})`);
      current = lease;
      renewedAt = now;
      if (!leading) {
        leading = true;
        options.log(`leader with token ${lease.token}`);
        await options.onElected(lease);
      }
    } catch (error) {
      options.log(`lease: ${errorMessage(error)}`);
      if (leading && ctx.clock.now() - renewedAt >= (ttlMs * 2) / 3) await depose('the store did not answer in time');
    }
  };
  const schedule = () => {
    if (stopped) return;
    // a follower tries again right when the lease it saw expires, not up to a third later
    const untilExpiry = !leading && current ? current.expiresAt - ctx.clock.now() + 20 : Infinity;
    timer = setTimeout(
      () => {
        busy = tick()
          .catch((error: unknown) => options.log(`lease: ${errorMessage(error)}`))
          .finally(schedule);
      },
      Math.max(20, Math.min(ttlMs / 3, untilExpiry)),
    );
  };
  // errors of the first round (another controller runs here) fail the start
  const first = tick();
  busy = first.catch(() => undefined).finally(schedule);

  return {
    holder,
    ready: first,
    leader: () => leading,
    lease: () => current,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await busy.catch(() => undefined);
      const was = leading;
      await depose('the controller is stopping');
      if (was) await ctx.store.releaseLease(CONTROLLER_LEASE, holder).catch(() => undefined);
    },
  };
}

/**
 * For work the CLI runs in its own process (no controller answers): the host
 * lock and the lease, so it never executes while a controller of the project
 * holds the lease. Returns the release.
 */
export async function holdLeaseForCli(ctx: AppContext, url: string): Promise<() => Promise<void>> {
  const refuse = (lease: Lease) =>
    new UserError(
      'CONTROLLER_RUNNING',
      `controller ${lease.holder}${lease.address ? ` (${lease.address})` : ''} holds the lease but did not answer at ${url}; ` +
        'retry, or point --controller at it; nothing was changed',
      { exitCode: ExitCode.failed },
    );
  const existing = await ctx.store.getLease(CONTROLLER_LEASE);
  const taken = takeHostLock(ctx);
  if (!taken)
    throw running(ctx, `it did not answer at ${url}; retry, or point --controller at it; nothing was changed`);
  const { steal } = taken;
  const ttlMs = leaseTtlMs(ctx);
  const holder = newHolder('cli');
  const lease = await ctx.store.acquireLease(CONTROLLER_LEASE, holder, ttlMs, ctx.clock.now(), {
    canSteal: () => steal,
  });
  if (!lease) throw refuse((await ctx.store.getLease(CONTROLLER_LEASE)) ?? (existing as Lease));
  const fenced = ctx.store.fenced({ name: CONTROLLER_LEASE, token: lease.token, scope: await leaseScope(ctx.store) });
  const raw = ctx.store;
  ctx.store = fenced;
  const timer = setInterval(() => {
    void raw.acquireLease(CONTROLLER_LEASE, holder, ttlMs, ctx.clock.now()).catch(() => undefined);
  }, ttlMs / 3);
  timer.unref();
  return async () => {
    clearInterval(timer);
    ctx.store = raw;
    await raw.releaseLease(CONTROLLER_LEASE, holder).catch(() => undefined);
  };
}

const SCOPE_LEASE = 'store-identity';
const CENTURY_MS = 100 * 365 * 24 * 3600_000;

/**
 * A random id the store keeps from its first leader on (a lease row that never
 * expires): controllers sharing a store share it, a store made anew gets another.
 */
export async function leaseScope(store: Store): Promise<string> {
  const existing = await store.getLease(SCOPE_LEASE);
  if (existing) return existing.holder;
  await store.acquireLease(SCOPE_LEASE, randomUUID(), CENTURY_MS, Date.now(), { canSteal: () => false });
  // two first leaders at once: whichever row won is the id
  return (await store.getLease(SCOPE_LEASE))?.holder ?? 'unknown';
}
