/**
 * `rewind adopt <service>`: what already runs outside Rewind (a Compose project's
 * containers) becomes the service's live release as it is — nothing restarts, the
 * front door sends it all traffic, and from then on it is the release a bad deploy
 * rolls back to. Only for a service Rewind does not run yet: a live release is
 * never replaced this way.
 */
import { ExitCode, UserError, conflict } from '../../core/errors.js';
import { ADOPTED_BY } from '../../core/model.js';
import type { Actor, AppContext } from '../context.js';
import { resolveEnvironment, serviceConfig } from '../context.js';
import { serialized } from '../serialize.js';

export interface AdoptRequest {
  service: string;
  environment?: string;
  /** the version to record; default the tag the containers were started from */
  version?: string;
  reason?: string;
  actor: Actor;
}

export interface AdoptResult {
  service: string;
  environment: string;
  revision: number;
  version: string;
  /** the image digest the adopted containers run */
  artifact: string;
  instances: number;
  output: string[];
}

export async function adoptService(ctx: AppContext, request: AdoptRequest): Promise<AdoptResult> {
  serviceConfig(ctx, request.service);
  const service = request.service;
  const environment = resolveEnvironment(ctx, service, request.environment);
  const driver = ctx.driver(service);
  if (!driver.adopt) {
    throw new UserError(
      'NOT_SUPPORTED',
      `the ${driver.type} driver of ${service} cannot adopt what runs outside Rewind (the container driver can)`,
      { status: 422, exitCode: ExitCode.failed },
    );
  }
  const adopt = driver.adopt.bind(driver);
  return serialized(ctx, service, environment, async () => {
    const releases = await ctx.store.listReleases(service, environment, 1000);
    const busy = releases.find((r) => ['live', 'deploying', 'analyzing'].includes(r.status));
    if (busy) {
      throw conflict(
        `${service} in ${environment} already has a ${busy.status} release (${busy.version}, r${busy.revision}); adopt only takes over a service Rewind does not run yet`,
      );
    }
    const revision = (releases[0]?.revision ?? 0) + 1;
    const adopted = await adopt(service, environment, revision);
    const now = ctx.clock.now();
    const created = await ctx.store.createRelease(
      {
        service,
        environment,
        revision,
        version: request.version ?? adopted.version,
        artifact: adopted.artifact,
        deployedBy: ADOPTED_BY,
        status: 'live',
      },
      now,
    );
    const release = await ctx.store.updateRelease(created.id, { promotedAt: now }, now);
    const traffic = await driver.shiftTraffic(service, environment, { [release.revision]: 100 }, [release]);
    await ctx.emit({
      type: 'release.adopted',
      service,
      environment,
      revision: release.revision,
      actor: request.actor.name,
      message: `adopted ${adopted.instances} running containers of ${service} as ${release.version} (r${release.revision}, ${adopted.artifact})${request.reason ? ` — ${request.reason}` : ''}`,
      data: {
        version: release.version,
        image: adopted.artifact,
        instances: adopted.instances,
        reason: request.reason ?? null,
      },
    });
    return {
      service,
      environment,
      revision: release.revision,
      version: release.version,
      artifact: adopted.artifact,
      instances: adopted.instances,
      output: [adopted.message, traffic],
    };
  });
}
