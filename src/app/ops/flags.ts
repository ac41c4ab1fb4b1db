/**
 * Feature flags as a kill switch (the runbooks' `kubectl set env … FEATURE_X=false`
 * before rolling back a whole release): a flag is an environment variable of the
 * live release. Turning it off or on restarts the release's instances one by one
 * behind the switch, so no request fails. Every change is a `flag.changed` event
 * (the audit log, and notified through the routes like any event); the flags of a
 * release are the fold of those events, which also brings them back when the
 * release's instances start afresh (after a controller restart).
 */
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import type { Actor, AppContext } from '../context.js';
import { resolveEnvironment, serviceConfig } from '../context.js';
import { liveTarget, restartCapable } from './live-release.js';

export const FLAG_CHANGED = 'flag.changed';
const FLAG_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface FlagRequest {
  service: string;
  environment?: string;
  flag: string;
  on: boolean;
  reason?: string;
  actor: Actor;
}

export interface FlagResult {
  service: string;
  environment: string;
  revision: number;
  version: string;
  flag: string;
  value: 'true' | 'false';
  output: string;
}

export interface ReleaseFlags {
  revision: number;
  version: string;
  status: Release['status'];
  flags: Record<string, string>;
}

export function assertFlagName(flag: string): void {
  if (!FLAG_NAME.test(flag)) {
    throw new UserError(
      'BAD_FLAG',
      `a flag is an environment variable name (letters, digits, _), got ${JSON.stringify(flag)}`,
      { status: 400, exitCode: ExitCode.usage },
    );
  }
}

export async function setFlag(ctx: AppContext, request: FlagRequest): Promise<FlagResult> {
  assertFlagName(request.flag);
  const target = await liveTarget(ctx, request.service, request.environment);
  return applyFlag(ctx, target.release, request);
}

/** Sets the flag on `release` with a rolling restart and records it. */
export async function applyFlag(
  ctx: AppContext,
  release: Release,
  request: Pick<FlagRequest, 'flag' | 'on' | 'reason' | 'actor'>,
): Promise<FlagResult> {
  const { service, environment } = release;
  const driver = ctx.driver(service);
  const value = request.on ? 'true' : 'false';
  // a platform that sets the variable and rolls the release itself (a Deployment's env) does so;
  // otherwise the driver's rolling restart carries the variable to each new instance
  const output =
    driver.capabilities.flags && driver.setFlag
      ? await driver.setFlag(service, environment, request.flag, value)
      : await restartCapable({ service, environment, release, driver }).restart(release, {
          env: { [request.flag]: value },
          readyTimeoutMs: readyTimeout(ctx, service),
        });
  await ctx.emit({
    type: FLAG_CHANGED,
    service,
    environment,
    revision: release.revision,
    actor: request.actor.name,
    message: `${service} ${release.version} (r${release.revision}): ${request.flag}=${value}${request.reason ? ` — ${request.reason}` : ''}`,
    data: { flag: request.flag, value, version: release.version, reason: request.reason ?? null },
  });
  return {
    service,
    environment,
    revision: release.revision,
    version: release.version,
    flag: request.flag,
    value,
    output,
  };
}

/** When the flag was last set on the release, or null. */
export async function flagChangedAt(ctx: AppContext, release: Release, flag: string): Promise<number | null> {
  const events = await ctx.store.listEvents({
    service: release.service,
    environment: release.environment,
    types: [FLAG_CHANGED],
    limit: 100_000,
  });
  const mine = events.filter((e) => e.revision === release.revision && e.data.flag === flag);
  return mine.at(-1)?.at ?? null;
}

/** The flags set on each release of a service, newest release first. */
export async function listFlags(ctx: AppContext, service: string, environment?: string): Promise<ReleaseFlags[]> {
  serviceConfig(ctx, service);
  const env = resolveEnvironment(ctx, service, environment);
  const byRevision = await flagsByRevision(ctx, service, env);
  const releases = await ctx.store.listReleases(service, env, 1000);
  return releases.map((r) => ({
    revision: r.revision,
    version: r.version,
    status: r.status,
    flags: byRevision.get(r.revision) ?? {},
  }));
}

/** The flag variables of one release, for the local driver's fresh starts. */
export async function releaseFlagEnv(
  ctx: AppContext,
  release: { service: string; environment: string; revision: number },
): Promise<Record<string, string>> {
  return (await flagsByRevision(ctx, release.service, release.environment)).get(release.revision) ?? {};
}

async function flagsByRevision(
  ctx: AppContext,
  service: string,
  environment: string,
): Promise<Map<number, Record<string, string>>> {
  const events = await ctx.store.listEvents({ service, environment, types: [FLAG_CHANGED], limit: 100_000 });
  const out = new Map<number, Record<string, string>>();
  for (const event of [...events].sort((a, b) => a.id - b.id)) {
    if (event.revision === null) continue;
    const flags = out.get(event.revision) ?? {};
    flags[String(event.data.flag)] = String(event.data.value);
    out.set(event.revision, flags);
  }
  return out;
}

export function readyTimeout(ctx: AppContext, service: string): number {
  return parseDuration(serviceConfig(ctx, service).health.readyTimeout);
}
