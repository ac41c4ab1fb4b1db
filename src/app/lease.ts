import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseDuration } from '../core/duration.js';
import { ExitCode, UserError } from '../core/errors.js';
import type { Lease } from '../core/model.js';
import type { Store } from '../core/ports/store.js';
import type { AppContext } from './context.js';

/** The lease every controller of a project competes for. */
export const CONTROLLER_LEASE = 'controller';

export const leaseTtlMs = (ctx: AppContext): number => parseDuration(ctx.loaded.config.controller.leaseDuration);

export const newHolder = (role: string): string =>
  `${role}@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export const controllerRunning = (ctx: AppContext, what: string): UserError =>
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
    throw controllerRunning(
      ctx,
      `it did not answer at ${url}; retry, or point --controller at it; nothing was changed`,
    );
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
