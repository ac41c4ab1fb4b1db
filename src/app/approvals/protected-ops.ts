import type { Approval } from '../../core/model.js';
import { currentRelease } from '../../core/targets.js';
import { databaseEnvironments } from '../access/targets.js';
import type { AppContext } from '../context.js';
import { effectivePolicy } from '../policy/effective.js';
import type { DbPayload, DrillPayload, LiveRelease } from './execute.js';
import { requestApproval } from './index.js';

/** The environments among these that are `protected: true`. */
export function protectedAmong(ctx: AppContext, environments: readonly string[]): string[] {
  return environments.filter((env) => ctx.loaded.config.environments[env]?.protected);
}

/** What serves now in each (service, environment): the state an approval is given against. */
export async function liveReleases(
  ctx: AppContext,
  environments: readonly string[],
  services?: readonly string[],
): Promise<LiveRelease[]> {
  const out: LiveRelease[] = [];
  const declared = Object.keys(ctx.loaded.config.environments);
  for (const [service, config] of Object.entries(ctx.loaded.config.services)) {
    if (services && !services.includes(service)) continue;
    for (const environment of config.environments ?? declared) {
      if (!environments.includes(environment)) continue;
      const current = currentRelease(await ctx.store.listReleases(service, environment, 1000));
      out.push({ service, environment, revision: current?.revision ?? null, version: current?.version ?? null });
    }
  }
  return out;
}

/**
 * What changed since an approval was requested, or null when nothing did: an
 * approval is given for the live state the approver saw, not for whatever
 * serves by the time it is approved.
 */
export async function whatChanged(ctx: AppContext, then: readonly LiveRelease[]): Promise<string | null> {
  const changes: string[] = [];
  for (const before of then) {
    const [now] = await liveReleases(ctx, [before.environment], [before.service]);
    if ((now?.revision ?? null) === before.revision) continue;
    const show = (r: { revision: number | null; version: string | null } | undefined) =>
      r?.revision == null ? 'nothing' : `${r.version} (r${r.revision})`;
    changes.push(`${before.service} in ${before.environment} went from ${show(before)} to ${show(now)}`);
  }
  return changes.length ? changes.join('; ') : null;
}

/** The services that use a database (their releases are the state a db approval is given against). */
function servicesOf(ctx: AppContext, database: string | undefined): string[] {
  const names = Object.keys(ctx.loaded.config.databases);
  const name = database ?? (names.length === 1 ? names[0] : undefined);
  return Object.entries(ctx.loaded.config.services)
    .filter(([, s]) => s.database !== undefined && s.database === name)
    .map(([service]) => service);
}

/**
 * A drill, db restore, migrate-down or read-only switch asked for over the API in
 * a protected environment does not run: it becomes an approval another
 * approver identity must give. Null when nothing it touches is protected.
 */
export async function requestProtectedOperation(
  ctx: AppContext,
  input: { requestedBy: string; reason: string } & (
    { payload: Omit<DrillPayload, 'live'> } | { payload: Omit<DbPayload, 'live'> }
  ),
): Promise<Approval | null> {
  const { payload } = input;
  const environments =
    payload.kind === 'drill' ? [payload.request.environment] : databaseEnvironments(ctx, payload.database);
  const guarded = protectedAmong(ctx, environments);
  const [environment] = guarded;
  if (!environment) return null;
  const services = payload.kind === 'drill' ? undefined : servicesOf(ctx, payload.database);
  const live = await liveReleases(ctx, guarded, services?.length ? services : undefined);
  const service =
    payload.kind === 'drill'
      ? (payload.request.service ?? live[0]?.service ?? '*')
      : (services?.[0] ?? `db:${payload.database ?? 'default'}`);
  return requestApproval(ctx, {
    service,
    environment,
    action: payload.kind,
    reason: input.reason,
    requestedBy: input.requestedBy,
    timeoutMs: effectivePolicy(ctx.loaded.config, environment).approvalTimeoutMs,
    // nobody changes a protected environment on silence
    onTimeout: 'ignore',
    // every protected environment it touches: an approver must be allowed in all of them
    payload: { ...payload, live, environments: guarded } as DrillPayload | DbPayload,
  });
}
