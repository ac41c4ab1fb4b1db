import { parseDuration } from '../core/duration.js';
import { ExitCode, UserError, conflict, errorMessage, isUserError } from '../core/errors.js';
import { runRollback } from '../core/executor.js';
import type { NewEvent, Release, RollbackDetail, RollbackKind, StepSpec } from '../core/model.js';
import { planRollback } from '../core/planner.js';
import { currentRelease, previousGoodRelease, targetProblem } from '../core/targets.js';
import type { Actor, AppContext } from './context.js';
import { resolveEnvironment, serviceConfig } from './context.js';
import { stepHandlers } from './step-handlers.js';
import { planDatabase } from './db/coordinated.js';
import { serialized } from './serialize.js';
import { hasConfigSnapshot } from './config-files/snapshot.js';
import { activeGroupRollbackOf } from './group/active.js';
import { restorePlan } from './policy/rollback-options.js';

export interface UndoRequest {
  service: string;
  environment?: string;
  toRevision?: number;
  reason?: string;
  emergency?: boolean;
  dryRun?: boolean;
  kind?: RollbackKind;
  actor: Actor;
}

export interface UndoResult {
  dryRun: boolean;
  service: string;
  environment: string;
  from: { revision: number; version: string } | null;
  to: { revision: number; version: string };
  plan: StepSpec[];
  rollback: RollbackDetail | null;
}

/** Plans a rollback and saves it (unless dry-run); `runPlanned` executes it. */
export async function planUndo(ctx: AppContext, request: UndoRequest): Promise<UndoResult> {
  const service = serviceConfig(ctx, request.service);
  const environment = resolveEnvironment(ctx, request.service, request.environment);
  const kind: RollbackKind = request.kind ?? (request.emergency ? 'emergency' : 'manual');
  if (request.emergency && !request.reason?.trim()) {
    throw new UserError('REASON_REQUIRED', 'an emergency rollback skips validation and needs --reason "…"', {
      exitCode: ExitCode.usage,
    });
  }
  const active = await ctx.store.listRollbacks({
    service: request.service,
    environment,
    status: ['planned', 'running'],
  });
  const inProgress = active[0] ?? (await activeGroupRollbackOf(ctx, request.service, environment));
  if (inProgress)
    throw conflict(`a rollback of ${request.service} in ${environment} is already in progress (${inProgress.id})`, {
      activeRollbackId: inProgress.id,
    });

  const releases = await ctx.store.listReleases(request.service, environment, 1000);
  const from = currentRelease(releases);
  const to = pickTarget(releases, from, request.toRevision, request.service, environment);
  const driver = ctx.driver(request.service);
  const live = await driver.describe(request.service, environment);
  const database = await planDatabase(ctx, from, to);
  const hook = (h: (typeof service.hooks.preRollback)[number]) => ({
    name: h.name,
    command: h.command,
    timeoutMs: parseDuration(h.timeout),
    onFailure: h.onFailure,
  });
  const plan = planRollback({
    from,
    to,
    live,
    capabilities: driver.capabilities,
    kind,
    emergency: Boolean(request.emergency),
    timeouts: {
      ...(driver.limits?.(request.service, environment) ?? { commandMs: 60_000, stopMs: 0 }),
      readyMs: parseDuration(service.health.readyTimeout),
    },
    watchMs: parseDuration(service.postRollback.watch),
    smoke: service.smoke.length > 0,
    hooks: { pre: service.hooks.preRollback.map(hook), post: service.hooks.postRollback.map(hook) },
    preferNativeUndo: Boolean(driver.capabilities.preferNativeUndo),
    database,
    restoreConfig: await hasConfigSnapshot(ctx, to),
    revertSource: Boolean(driver.revertsSource?.(request.service, environment)),
    restore: restorePlan(ctx.loaded.config, request.service, environment),
  });
  const summary = {
    dryRun: Boolean(request.dryRun),
    service: request.service,
    environment,
    from: from ? { revision: from.revision, version: from.version } : null,
    to: { revision: to.revision, version: to.version },
    plan,
  };
  if (request.dryRun) return { ...summary, rollback: null };

  const reason = request.reason?.trim() || `${kind} rollback requested by ${request.actor.name}`;
  const rollback = await ctx.store.createRollback(
    {
      service: request.service,
      environment,
      kind,
      scope: 'service',
      fromRevision: from?.revision ?? null,
      toRevision: to.revision,
      reason,
      requestedBy: request.actor.name,
      steps: plan,
    },
    ctx.clock.now(),
  );
  await ctx.emit({
    type: 'rollback.initiated',
    service: request.service,
    environment,
    rollbackId: rollback.id,
    revision: from?.revision ?? null,
    actor: request.actor.name,
    message: `${kind} rollback of ${request.service} in ${environment}: ${from ? `${from.version} (r${from.revision})` : 'nothing'} → ${to.version} (r${to.revision}); ${reason}`,
    data: {
      kind,
      fromRevision: from?.revision ?? null,
      toRevision: to.revision,
      fromVersion: from?.version ?? null,
      toVersion: to.version,
      reason,
      steps: plan.map((s) => s.title),
    },
  });
  return { ...summary, rollback };
}

function pickTarget(
  releases: Release[],
  from: Release | null,
  toRevision: number | undefined,
  service: string,
  environment: string,
): Release {
  if (toRevision !== undefined) {
    const target = releases.find((r) => r.revision === toRevision);
    if (!target)
      throw new UserError(
        'NOT_FOUND',
        `${service} in ${environment} has no revision ${toRevision} (see: rewind history ${service} --env ${environment})`,
        { status: 404 },
      );
    const problem = targetProblem(target, from);
    if (problem)
      throw new UserError('BAD_TARGET', `cannot roll back to revision ${toRevision}: ${problem}`, { status: 422 });
    return target;
  }
  const target = previousGoodRelease(releases, from);
  if (!target) {
    throw new UserError('NO_TARGET', `${service} in ${environment} has no earlier good release to roll back to`, {
      status: 422,
    });
  }
  return target;
}

/**
 * Runs (or resumes) a saved rollback through the journaled executor. In the
 * controller a store error does not end the run: the rollback stays `running` in
 * the store and is resumed from its journal once the store answers again, so it is
 * never left stuck for the next request to meet as a 409.
 */
export async function runPlanned(ctx: AppContext, id: string, signal?: AbortSignal): Promise<RollbackDetail> {
  const deps = {
    store: ctx.store,
    clock: ctx.clock,
    handlers: stepHandlers(ctx),
    emit: (e: NewEvent) => ctx.emit(e),
    redact: ctx.redact,
    stopOrphan: (group: number, owner: string | null) => ctx.processes.stopOrphan(group, owner),
    processOwner: (group: number) => ctx.processes.owner(group),
    ...(signal ? { signal } : {}),
  };
  const run = async () => {
    const planned = await ctx.store.getRollback(id);
    if (!planned) return runRollback(id, deps);
    return serialized(ctx, planned.service, planned.environment, () => runRollback(id, deps));
  };
  for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
    try {
      return await run();
    } catch (error) {
      if (!ctx.owner || signal?.aborted || isUserError(error)) throw error;
      process.stderr.write(
        `rollback ${id}: ${ctx.redact(errorMessage(error))}; resuming from the journal in ${delay}ms\n`,
      );
      await ctx.clock.sleep(delay, signal);
    }
  }
}
