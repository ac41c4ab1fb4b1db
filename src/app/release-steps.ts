/**
 * The steps of a deploy around its release: wait for its instances, make it live
 * (the previous one stays warm), retire what is superseded, wait out a rollback.
 */
import { errorMessage } from '../core/errors.js';
import type { Release } from '../core/model.js';
import type { AppContext } from './context.js';

/** Resolves once the rollback is no longer planned or running; with `timeoutMs`, throws when it still is by then. */
export async function rollbackEnded(ctx: AppContext, id: string, timeoutMs?: number): Promise<void> {
  const deadline = timeoutMs === undefined ? Infinity : ctx.clock.now() + timeoutMs;
  for (;;) {
    const rollback = await ctx.store.getRollback(id);
    if (!rollback || (rollback.status !== 'planned' && rollback.status !== 'running')) return;
    if (ctx.clock.now() >= deadline)
      throw new Error(`rollback ${id} is still ${rollback.status} after ${Math.round(timeoutMs! / 1000)}s`);
    await ctx.clock.sleep(200);
  }
}

export async function awaitReady(ctx: AppContext, release: Release, timeoutMs: number): Promise<void> {
  const driver = ctx.driver(release.service);
  const deadline = ctx.clock.now() + timeoutMs;
  for (;;) {
    const live = await driver.describe(release.service, release.environment);
    const mine = live.releases.find((r) => r.revision === release.revision);
    if (mine ? mine.healthy && mine.ready >= mine.desired : live.healthy === true) return;
    const waited = Math.round((ctx.clock.now() - deadline + timeoutMs) / 100) / 10;
    // a crash loop before it was ever ready cannot end by waiting: say why now, not after readyTimeout
    if (mine?.failing) throw new Error(`not ready after ${waited}s: ${mine.problem ?? 'it keeps crashing'}`);
    if (ctx.clock.now() >= deadline) {
      throw new Error(
        `not ready after ${Math.round(timeoutMs / 1000)}s${mine ? ` (${mine.ready}/${mine.desired} instances ready)` : ''}${mine?.problem ? `: ${mine.problem}` : ''}`,
      );
    }
    await ctx.clock.sleep(200);
  }
}

/** The new release becomes live; the previous stays warm for rollbackWindow. */
export async function promote(ctx: AppContext, release: Release, previous: Release | null): Promise<Release> {
  const now = ctx.clock.now();
  if (previous) await ctx.store.setReleaseStatus(previous.id, 'superseded', now);
  await ctx.store.updateRelease(release.id, { promotedAt: now }, now);
  const promoted = await ctx.store.setReleaseStatus(release.id, 'live', now);
  // only the previous release stays warm; older ones are stopped
  for (const old of await ctx.store.listReleases(release.service, release.environment, 1000)) {
    if (old.status !== 'superseded' || old.id === previous?.id) continue;
    await retireRelease(ctx, old);
  }
  await ctx.emit({
    type: 'deploy.promoted',
    service: release.service,
    environment: release.environment,
    revision: release.revision,
    message: `${release.service} ${release.version} (revision ${release.revision}) promoted`,
    data: { revision: release.revision, version: release.version },
  });
  return promoted;
}

/** Stops a superseded release (idempotent) and marks it retired. */
export async function retireRelease(ctx: AppContext, release: Release): Promise<void> {
  try {
    await ctx.driver(release.service).retire(release);
    await ctx.store.setReleaseStatus(release.id, 'retired', ctx.clock.now());
  } catch (error) {
    await ctx.emit({
      type: 'release.retire-failed',
      service: release.service,
      environment: release.environment,
      revision: release.revision,
      message: errorMessage(error),
      data: {},
    });
  }
}
