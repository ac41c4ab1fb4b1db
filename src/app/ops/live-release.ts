import { ExitCode, UserError, conflict } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import type { Driver } from '../../core/ports/driver.js';
import { currentRelease } from '../../core/targets.js';
import type { AppContext } from '../context.js';
import { resolveEnvironment, serviceConfig } from '../context.js';

export interface Target {
  service: string;
  environment: string;
  release: Release;
  driver: Driver;
}

/** The release serving `service` now, refusing while a rollback of it runs. */
export async function liveTarget(ctx: AppContext, service: string, environment?: string): Promise<Target> {
  serviceConfig(ctx, service);
  const env = resolveEnvironment(ctx, service, environment);
  const [active] = await ctx.store.listRollbacks({ service, environment: env, status: ['planned', 'running'] });
  if (active) throw conflict(`a rollback of ${service} in ${env} is in progress (${active.id}); try after it ends`);
  const release = currentRelease(await ctx.store.listReleases(service, env, 1000));
  if (!release)
    throw new UserError('NO_RELEASE', `${service} has no live release in ${env} (deploy one first)`, {
      status: 422,
      exitCode: ExitCode.failed,
    });
  return { service, environment: env, release, driver: ctx.driver(service) };
}

/** The driver's rolling restart, or a clear refusal when the platform has none. */
export function restartCapable(target: Target): Required<Pick<Driver, 'restart'>> {
  const { driver } = target;
  if (!driver.capabilities.restartInPlace || !driver.restart) {
    throw new UserError(
      'NOT_SUPPORTED',
      `the ${driver.type} driver of ${target.service} cannot restart instances one by one`,
      { status: 422, exitCode: ExitCode.failed },
    );
  }
  return { restart: driver.restart.bind(driver) };
}
