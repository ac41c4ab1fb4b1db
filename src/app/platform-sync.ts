/**
 * Rewind and the platform's own history agree. The first look at a service whose
 * platform keeps history (a Deployment's ReplicaSets) adopts that history as
 * releases; later, a change made outside Rewind (`kubectl set image`, a person's
 * `kubectl rollout undo`) is recorded as an `external` release and becomes the
 * live one. It is never fought: the runbook's rule is that a human at the console
 * knows something Rewind does not.
 */
import { ADOPTED_BY, type Release } from '../core/model.js';
import type { PlatformRevision } from '../core/ports/driver.js';
import { currentRelease } from '../core/targets.js';
import type { AppContext } from './context.js';

export const EXTERNAL_BY = 'external';

/** Whether the platform's current revision is the release Rewind thinks is current. */
function sameRelease(platform: PlatformRevision, release: Release, known: Release[]): boolean {
  if (platform.revision === release.revision || platform.formerRevisions.includes(release.revision)) return true;
  // a rollback renumbers the ReplicaSet it rolls back to: it runs the same version under a revision Rewind never made
  return !known.some((r) => r.revision === platform.revision) && platform.version === release.version;
}

const running = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * Adopts or records outside changes; returns what it recorded (nothing when in step).
 * One at a time per service and environment: a deploy and the controller's loop
 * looking at once must not adopt the same history twice.
 */
export function syncWithPlatform(ctx: AppContext, service: string, environment: string): Promise<Release[]> {
  let byKey = running.get(ctx.root);
  if (!byKey) running.set(ctx.root, (byKey = new Map()));
  const key = `${service}\u0000${environment}`;
  const previous = byKey.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => sync(ctx, service, environment));
  byKey.set(key, next);
  void next
    .catch(() => undefined)
    .finally(() => {
      if (byKey.get(key) === next) byKey.delete(key);
    });
  return next;
}

async function sync(ctx: AppContext, service: string, environment: string): Promise<Release[]> {
  const driver = ctx.driver(service);
  if (!driver.history) return [];
  const releases = await ctx.store.listReleases(service, environment, 1000);
  // while Rewind itself changes the platform, the difference is on purpose
  if (releases.some((r) => r.status === 'deploying' || r.status === 'analyzing')) return [];
  const [active] = await ctx.store.listRollbacks({ service, environment, status: ['planned', 'running'] });
  if (active) return [];
  const history = await driver.history(service, environment);
  const platform = history.find((h) => h.current);
  if (!platform) return [];
  const now = ctx.clock.now();

  if (releases.length === 0) {
    const adopted: Release[] = [];
    for (const h of history) {
      const created = await ctx.store.createRelease(
        {
          service,
          environment,
          revision: h.revision,
          version: h.version,
          artifact: h.image,
          deployedBy: ADOPTED_BY,
          status: h.current ? 'live' : 'retired',
        },
        now,
      );
      adopted.push(await ctx.store.updateRelease(created.id, { promotedAt: now }, now));
    }
    await ctx.emit({
      type: 'release.adopted',
      service,
      environment,
      revision: platform.revision,
      message: `adopted ${service}'s history from ${driver.type}: revisions ${history.map((h) => `${h.revision} (${h.version})`).join(', ')}; live ${platform.version}`,
      data: { revisions: history.map((h) => ({ revision: h.revision, version: h.version, image: h.image })) },
    });
    return adopted;
  }

  const current = currentRelease(releases);
  if (current && sameRelease(platform, current, releases)) return [];
  if (current) await ctx.store.setReleaseStatus(current.id, 'superseded', now);
  const known = releases.find((r) => r.revision === platform.revision);
  if (known) {
    // traffic was moved back to a release Rewind knows (a person flipped the selector)
    const back = await ctx.store.setReleaseStatus(known.id, 'live', now);
    await ctx.emit({
      type: 'release.external',
      service,
      environment,
      revision: back.revision,
      actor: EXTERNAL_BY,
      message: `${service} in ${environment} was switched outside Rewind to ${back.version} (revision ${back.revision})${current ? ` from ${current.version} (revision ${current.revision})` : ''}; recorded, not reverted`,
      data: { revision: back.revision, previousRevision: current?.revision ?? null, changeCause: platform.changeCause },
    });
    return [back];
  }
  const created = await ctx.store.createRelease(
    {
      service,
      environment,
      revision: platform.revision,
      version: platform.version,
      artifact: platform.image,
      deployedBy: EXTERNAL_BY,
      status: 'live',
    },
    now,
  );
  const external = await ctx.store.updateRelease(created.id, { promotedAt: now }, now);
  await ctx.emit({
    type: 'release.external',
    service,
    environment,
    revision: external.revision,
    actor: EXTERNAL_BY,
    message: `${service} in ${environment} was changed outside Rewind: it now runs ${platform.image} (revision ${external.revision})${current ? ` instead of ${current.version} (revision ${current.revision})` : ''}; recorded, not reverted`,
    data: {
      revision: external.revision,
      image: platform.image,
      previousRevision: current?.revision ?? null,
      changeCause: platform.changeCause,
    },
  });
  return [external];
}
