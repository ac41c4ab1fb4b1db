import { parseDuration } from '../../core/duration.js';
import { errorMessage } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import { currentRelease, previousGoodRelease } from '../../core/targets.js';
import type { AppContext } from '../../app/context.js';
import { serviceConfig } from '../../app/context.js';
import { environmentsOf } from '../../app/environments.js';
import { stoppedState } from '../../app/ops/service-stopped.js';

/**
 * After a controller restart, bring back what served before: the live release at
 * full weight, the warm previous one (inside rollbackWindow) at zero, and the
 * target of a rollback in progress, so the resumed plan finds it running.
 * Instances that survived the crash are adopted, not restarted. `services` are
 * those whose processes this controller owns (the local platform's).
 */
export async function restoreLiveReleases(ctx: AppContext, services: readonly string[]): Promise<void> {
  for (const service of services) {
    const config = serviceConfig(ctx, service);
    for (const environment of environmentsOf(ctx, service)) {
      const releases = await ctx.store.listReleases(service, environment, 1000);
      const current = currentRelease(releases);
      if (!current) continue;
      const stopped = await stoppedState(ctx, service, environment);
      if (stopped) {
        // `rewind stop` holds until `rewind start`, whoever runs the controller meanwhile
        await ctx.emit({
          type: 'controller.kept-stopped',
          service,
          environment,
          revision: current.revision,
          message: `${service} stays stopped (stopped by ${stopped.by}${stopped.reason ? ` — ${stopped.reason}` : ''}); run rewind start ${service} --env ${environment} to serve it again`,
          data: { stoppedAt: stopped.at },
        });
        continue;
      }
      const driver = ctx.driver(service);
      const keep: Release[] = [current];
      const previous = previousGoodRelease(releases, current);
      const windowMs = parseDuration(config.rollbackWindow);
      if (previous && current.promotedAt === null) keep.push(previous);
      else if (previous && current.promotedAt !== null && ctx.clock.now() - current.promotedAt < windowMs)
        keep.push(previous);
      const [active] = await ctx.store.listRollbacks({ service, environment, status: ['planned', 'running'] });
      const target = active ? releases.find((r) => r.revision === active.toRevision) : undefined;
      if (target && !keep.includes(target)) keep.push(target);
      try {
        for (const release of keep) await driver.start(release);
        const weights = Object.fromEntries(keep.map((r) => [r.revision, r === current ? 100 : 0]));
        await driver.shiftTraffic(service, environment, weights, keep);
        await ctx.emit({
          type: 'controller.restored',
          service,
          environment,
          revision: current.revision,
          message: `serving ${service} ${current.version} (r${current.revision}) again after a controller start`,
          data: { revisions: keep.map((r) => r.revision) },
        });
      } catch (error) {
        await ctx.emit({
          type: 'controller.restore-failed',
          service,
          environment,
          message: `could not bring ${service} back: ${errorMessage(error)}`,
          data: {},
        });
      }
    }
  }
}
