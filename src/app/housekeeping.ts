import { parseDuration } from '../core/duration.js';
import { currentRelease } from '../core/targets.js';
import type { AppContext } from './context.js';
import { retireRelease } from './deploy.js';
import { syncWithPlatform } from './platform-sync.js';

/**
 * The previous release stays warm for `rollbackWindow` after a promotion
 * (runbook: keep the old version running until the new one has proven itself);
 * then it is drained and stopped. Runs in the controller every few seconds.
 * Only services with a superseded release have anything to retire, so one query
 * finds them: a look at every service would hold up the watch loops of a
 * controller with a thousand services.
 */
export async function retireExpiredWarmReleases(ctx: AppContext): Promise<void> {
  const warm = new Set(
    (await ctx.store.releasesWithStatus(['superseded'])).map((r) => `${r.service}\u0000${r.environment}`),
  );
  for (const [service, config] of Object.entries(ctx.loaded.config.services)) {
    const windowMs = parseDuration(config.rollbackWindow);
    for (const environment of config.environments ?? Object.keys(ctx.loaded.config.environments)) {
      if (!warm.has(`${service}\u0000${environment}`)) continue;
      const releases = await ctx.store.listReleases(service, environment, 50);
      const current = currentRelease(releases);
      if (!current || current.status !== 'live' || current.promotedAt === null) continue;
      if (ctx.clock.now() - current.promotedAt < windowMs) continue;
      const [active] = await ctx.store.listRollbacks({ service, environment, status: ['planned', 'running'] });
      if (active) continue;
      for (const old of releases) if (old.status === 'superseded') await retireRelease(ctx, old);
    }
  }
}

/** Records changes made outside Rewind (a person's kubectl) as external releases, so status and undo see them. */
export async function noticeOutsideChanges(ctx: AppContext): Promise<void> {
  for (const [service, config] of Object.entries(ctx.loaded.config.services)) {
    for (const environment of config.environments ?? Object.keys(ctx.loaded.config.environments))
      await syncWithPlatform(ctx, service, environment).catch(() => undefined);
  }
}

export function startHousekeeping(ctx: AppContext, everyMs = 5_000): () => Promise<void> {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void retireExpiredWarmReleases(ctx)
      .catch(() => undefined)
      .then(() => noticeOutsideChanges(ctx))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return async () => clearInterval(timer);
}
