/**
 * Failed-rollback recovery, the runbooks' "manual service restart" and
 * "stop-all / start-all": `restart` replaces the live release's instances one by
 * one behind the switch (no failed request); `stop` drains and stops every
 * running release of the service (the front door answers 502 until `start`);
 * `start` brings the live release back and gives it all traffic. Each is an
 * event in the audit log.
 */
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { Actor, AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { liveTarget, restartCapable, type Target } from './live-release.js';
import { readyTimeout } from './flags.js';

export interface ServiceOpRequest {
  service: string;
  environment?: string;
  reason?: string;
  actor: Actor;
}

export interface ServiceOpResult {
  service: string;
  environment: string;
  revision: number;
  version: string;
  action: 'restarted' | 'stopped' | 'started';
  output: string[];
}

async function record(
  ctx: AppContext,
  target: Target,
  request: ServiceOpRequest,
  action: ServiceOpResult['action'],
  output: string[],
): Promise<ServiceOpResult> {
  const { release } = target;
  await ctx.emit({
    type: `service.${action}`,
    service: target.service,
    environment: target.environment,
    revision: release.revision,
    actor: request.actor.name,
    message: `${target.service} ${release.version} (r${release.revision}) ${action}${request.reason ? ` — ${request.reason}` : ''}`,
    data: { version: release.version, reason: request.reason ?? null },
  });
  return {
    service: target.service,
    environment: target.environment,
    revision: release.revision,
    version: release.version,
    action,
    output,
  };
}

function ownedProcesses(target: Target): void {
  if (!target.driver.capabilities.needsOwner) {
    throw new UserError(
      'NOT_SUPPORTED',
      `the ${target.driver.type} driver of ${target.service} runs on its platform; stop and start it there`,
      { status: 422, exitCode: ExitCode.failed },
    );
  }
}

export async function restartService(ctx: AppContext, request: ServiceOpRequest): Promise<ServiceOpResult> {
  const target = await liveTarget(ctx, request.service, request.environment);
  const { restart } = restartCapable(target);
  const output = await restart(target.release, { readyTimeoutMs: readyTimeout(ctx, request.service) });
  return record(ctx, target, request, 'restarted', [output]);
}

export async function stopService(ctx: AppContext, request: ServiceOpRequest): Promise<ServiceOpResult> {
  const target = await liveTarget(ctx, request.service, request.environment);
  ownedProcesses(target);
  const live = await target.driver.describe(target.service, target.environment);
  const output: string[] = [];
  for (const running of live.releases) {
    const release = await ctx.store.getRelease(target.service, target.environment, running.revision);
    if (release) output.push(await target.driver.retire(release));
  }
  return record(ctx, target, request, 'stopped', output);
}

export async function startService(ctx: AppContext, request: ServiceOpRequest): Promise<ServiceOpResult> {
  const target = await liveTarget(ctx, request.service, request.environment);
  ownedProcesses(target);
  const { driver, release } = target;
  const output = [await driver.start(release)];
  const deadline = ctx.clock.now() + readyTimeout(ctx, request.service);
  const interval = Math.min(500, parseDuration(serviceConfig(ctx, request.service).health.interval));
  for (;;) {
    const live = await driver.describe(target.service, target.environment);
    const mine = live.releases.find((r) => r.revision === release.revision);
    if (mine ? mine.healthy && mine.ready >= mine.desired : live.healthy !== false) break;
    if (ctx.clock.now() >= deadline)
      throw new UserError(
        'NOT_READY',
        `${target.service} ${release.version} (r${release.revision}) started but is not ready (${mine?.ready ?? 0}/${mine?.desired ?? '?'} instances); it gets no traffic`,
        { exitCode: ExitCode.failed },
      );
    await ctx.clock.sleep(interval);
  }
  output.push(await driver.shiftTraffic(target.service, target.environment, { [release.revision]: 100 }, [release]));
  return record(ctx, target, request, 'started', output);
}
