import { ExitCode, UserError, conflict, errorMessage } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { rollbackRestored } from '../../core/model.js';
import { currentRelease } from '../../core/targets.js';
import type { Actor, AppContext } from '../context.js';
import type { DeployRequest, DeployResult } from '../deploy.js';
import type { UndoRequest, UndoResult } from '../undo.js';
import { allEvents } from '../record/incident.js';
import { drillService } from './drill-target.js';
import { finishDrill, type DrillResult } from './drill-result.js';
import { faultEnv, runHook, withInjectedFault, type DrillFault } from './fault-injection.js';
import { waitForEnd, waitForRollback } from './drill-waits.js';
import { awaitFaultEffect, type FaultEffect } from './fault-effect.js';

export interface DrillRequest {
  environment: string;
  service?: string;
  /** default the `drills[]` entry's, else error-rate */
  fault?: DrillFault;
  /** deploy this version (an image tag that misbehaves) as the faulty copy; default the entry's `fault.image` */
  faultImage?: string;
  /** the sample app turns faulty this long after it starts; default 3 000 ms for crash and unhealthy (after readiness), else 0 */
  faultAfterMs?: number;
  /** how long the automatic path has, from the fault reaching users, before the drill rolls back itself; default 5 min */
  timeoutMs?: number;
  actor: Actor;
  /**
   * set when the drill may run in a protected environment without asking: an
   * approved request, or a schedule from rewind.yaml; default false
   */
  approved?: boolean;
}

/** What a drill needs of the use cases: the API's own deploy and undo. */
export interface DrillDeps {
  deploy(request: DeployRequest): Promise<DeployResult>;
  undo(request: UndoRequest & { wait?: boolean }): Promise<UndoResult>;
}

/**
 * A rollback drill: deploy a copy of the live release with a fault
 * injected, let the automatic path detect it and roll back, and measure how long
 * detection and recovery took against the targets. A local-driver service gets
 * the fault through the environment of its own command (FAULT=…, which the
 * sample app reads); any other driver needs `drills[].hook`, run after the copy
 * is deployed with {service} {env} {version} {revision} {fault}. When nothing
 * rolls the copy back within `timeoutMs`, the drill rolls back itself (kind
 * `drill`) and reports the outcome `not-detected`.
 */
export async function runDrill(
  ctx: AppContext,
  request: DrillRequest,
  deps: DrillDeps,
  onStarted?: (drillId: string) => void,
): Promise<DrillResult> {
  const { environment } = request;
  const { service, entry } = drillService(ctx.loaded.config, environment, request.service);
  const configured = entry?.fault;
  const faultImage = request.faultImage ?? (typeof configured === 'object' ? configured.image : undefined);
  const injected: DrillFault = request.fault ?? (typeof configured === 'string' ? configured : 'error-rate');
  const fault: DrillFault | `image ${string}` = faultImage ? `image ${faultImage}` : injected;
  const hook = entry?.hook;
  const driver = ctx.driver(service);
  const injectsEnv = Boolean(driver.capabilities.faultEnv);
  if (!injectsEnv && !hook && !faultImage) {
    throw new UserError(
      'DRILL_HOOK',
      `service "${service}" uses the ${driver.type} driver: declare how to inject a fault with drills[].hook, or deploy a misbehaving version with drills[].fault: { image: … }, for ${environment}`,
      { status: 400, exitCode: ExitCode.usage },
    );
  }
  const releases = await ctx.store.listReleases(service, environment, 1000);
  const live = currentRelease(releases);
  if (!live || live.status !== 'live')
    throw new UserError('DRILL_NO_LIVE', `${service} has no promoted live release in ${environment} to drill on`, {
      status: 409,
      exitCode: ExitCode.failed,
    });
  const [active] = await ctx.store.listRollbacks({ service, environment, status: ['planned', 'running'] });
  if (active)
    throw conflict(`a rollback of ${service} in ${environment} is in progress (${active.id}); drill after it ends`);

  const drillId = newId('dr', ctx.clock.now());
  // a crash or failing health check before the copy is ready would only fail its deploy
  const faultAfterMs = request.faultAfterMs ?? (fault === 'crash' || fault === 'unhealthy' ? 3_000 : 0);
  const startedAt = ctx.clock.now();
  const base = { service, environment, actor: request.actor.name };
  await ctx.emit({
    ...base,
    type: 'drill.started',
    message: `drill ${drillId}: injecting ${fault} into a copy of ${service} ${live.version}`,
    data: { drillId, fault, faultAfterMs, version: live.version, liveRevision: live.revision },
  });
  onStarted?.(drillId);

  const deployCopy = () =>
    deps.deploy({
      service,
      environment,
      version: faultImage ?? live.version,
      force: true,
      actor: { name: `drill:${request.actor.name}` },
    });
  let deployed: DeployResult;
  try {
    deployed =
      injectsEnv && !faultImage
        ? await withInjectedFault(ctx, service, environment, faultEnv(injected, faultAfterMs), deployCopy)
        : await deployCopy();
    if (hook && deployed.outcome !== 'failed')
      await runHook(ctx, hook, {
        service,
        env: environment,
        version: live.version,
        revision: deployed.release.revision,
        fault,
      });
  } catch (error) {
    return finishDrill(ctx, {
      drillId,
      service,
      environment,
      fault,
      startedAt,
      faultAt: null,
      revision: null,
      rollback: null,
      outcome: 'failed',
      error: errorMessage(error),
      actor: request.actor.name,
    });
  }
  const revision = deployed.release.revision;
  if (deployed.outcome === 'failed') {
    return finishDrill(ctx, {
      drillId,
      service,
      environment,
      fault,
      startedAt,
      faultAt: null,
      revision,
      rollback: null,
      outcome: 'failed',
      error: deployed.reason ?? 'the drill release never became ready',
      actor: request.actor.name,
    });
  }
  // users meet the fault once it is active and the copy has traffic
  const [traffic] = (await allEvents(ctx, { service, environment, types: ['deploy.traffic'] })).filter(
    (e) => e.revision === revision,
  );
  const faultAt = Math.max(
    traffic?.at ?? ctx.clock.now(),
    injectsEnv && !faultImage ? startedAt + faultAfterMs : ctx.clock.now(),
  );

  const timeoutMs = request.timeoutMs ?? 5 * 60_000;
  // meanwhile: did the fault take effect? A copy that never misbehaves ends the drill early, saying so
  const copy = await ctx.store.getRelease(service, environment, revision);
  const looking = new AbortController();
  const noEffect = new AbortController();
  const seen: { effect: FaultEffect | null } = { effect: null };
  if (copy)
    void awaitFaultEffect(ctx, copy, live, faultAt, looking.signal)
      .then((effect) => {
        seen.effect = effect;
        if (effect?.effect === 'absent') noEffect.abort();
      })
      .catch(() => undefined);
  // the automatic path gets `timeoutMs` from the moment there is something to detect
  let rollback = await waitForRollback(
    ctx,
    service,
    environment,
    revision,
    startedAt,
    Math.max(faultAt, ctx.clock.now()) + timeoutMs,
    noEffect.signal,
  );
  // what was seen by now; a read still under way is not waited for
  looking.abort();
  const found = seen.effect;
  let outcome: DrillResult['outcome'];
  let why: string | null = null;
  if (rollback) outcome = 'rolled-back';
  else {
    outcome = found?.effect === 'absent' ? 'no-effect' : 'not-detected';
    why =
      found?.effect === 'absent'
        ? found.detail
        : `nothing rolled the faulty copy back within ${Math.round(timeoutMs / 1000)}s${found ? ` although the fault took effect (${found.detail})` : ''}`;
    const undone = await deps.undo({
      service,
      environment,
      kind: 'drill',
      reason: `drill ${drillId}: ${why}`,
      actor: { name: `drill:${request.actor.name}` },
      wait: true,
    });
    rollback = undone.rollback;
  }
  if (rollback) rollback = await waitForEnd(ctx, rollback.id);
  if (rollback && !rollbackRestored(rollback.status)) outcome = 'escalated';
  return finishDrill(ctx, {
    drillId,
    service,
    environment,
    fault,
    startedAt,
    faultAt,
    revision,
    rollback,
    outcome,
    error: rollback?.error ?? why,
    actor: request.actor.name,
  });
}
