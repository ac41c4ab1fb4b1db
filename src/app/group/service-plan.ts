import { parseDuration } from '../../core/duration.js';
import { errorMessage } from '../../core/errors.js';
import type { Release, RollbackKind, StepSpec } from '../../core/model.js';
import { planRollback } from '../../core/planner.js';
import { currentRelease, previousGoodRelease } from '../../core/targets.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { planDatabase } from '../db/coordinated.js';
import { hasConfigSnapshot } from '../config-files/snapshot.js';
import { activeGroupRollbackOf } from './active.js';
import { restorePlan } from '../policy/rollback-options.js';

export interface ServicePlan {
  service: string;
  from: Release;
  to: Release;
  steps: StepSpec[];
}

export interface SkippedService {
  service: string;
  reason: string;
}

/**
 * One member's part of a rollback of several services: the same plan `rewind
 * undo <service>` makes (database, hooks, smoke, watch), or why it is left out
 * (nothing live, no earlier good release, a rollback of it already running).
 */
export async function planServicePart(
  ctx: AppContext,
  service: string,
  environment: string,
  kind: RollbackKind,
  emergency: boolean,
): Promise<ServicePlan | SkippedService> {
  const config = serviceConfig(ctx, service);
  const [own] = await ctx.store.listRollbacks({ service, environment, status: ['planned', 'running'] });
  const active = own ?? (await activeGroupRollbackOf(ctx, service, environment));
  if (active) return { service, reason: `a rollback of it is already in progress (${active.id})` };
  const releases = await ctx.store.listReleases(service, environment, 1000);
  const from = currentRelease(releases);
  if (!from) return { service, reason: 'nothing is live' };
  const to = previousGoodRelease(releases, from);
  if (!to) return { service, reason: `no earlier good release than ${from.version} (r${from.revision})` };
  const driver = ctx.driver(service);
  let live;
  try {
    live = await driver.describe(service, environment);
  } catch (error) {
    return { service, reason: `its driver cannot say what runs: ${ctx.redact(errorMessage(error))}` };
  }
  const hook = (h: (typeof config.hooks.preRollback)[number]) => ({
    name: h.name,
    command: h.command,
    timeoutMs: parseDuration(h.timeout),
    onFailure: h.onFailure,
  });
  const steps = planRollback({
    from,
    to,
    live,
    capabilities: driver.capabilities,
    kind,
    emergency,
    timeouts: {
      ...(driver.limits?.(service, environment) ?? { commandMs: 60_000, stopMs: 0 }),
      readyMs: parseDuration(config.health.readyTimeout),
    },
    watchMs: parseDuration(config.postRollback.watch),
    smoke: config.smoke.length > 0,
    hooks: { pre: config.hooks.preRollback.map(hook), post: config.hooks.postRollback.map(hook) },
    preferNativeUndo: Boolean(driver.capabilities.preferNativeUndo),
    database: await planDatabase(ctx, from, to),
    restoreConfig: await hasConfigSnapshot(ctx, to),
    revertSource: Boolean(driver.revertsSource?.(service, environment)),
    restore: restorePlan(ctx.loaded.config, service, environment),
  });
  return { service, from, to, steps };
}

/** The member's steps as part of one record: each names its service and is titled with it. */
export function asGroupSteps(part: ServicePlan): StepSpec[] {
  return part.steps.map((step) => ({
    ...step,
    title: `${part.service}: ${step.title}`,
    params: {
      ...step.params,
      service: part.service,
      fromRevision: part.from.revision,
      toRevision: part.to.revision,
    },
  }));
}
