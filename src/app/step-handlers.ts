import { parseDuration } from '../core/duration.js';
import type { StepHandler } from '../core/executor.js';
import type { Release, Rollback, StepName } from '../core/model.js';
import type { Weights } from '../core/ports/driver.js';
import { fillPlaceholders } from '../core/placeholders.js';
import type { AppContext } from './context.js';
import { serviceConfig } from './context.js';
import { recordImpact } from './record/impact.js';
import { recordFailedLogs } from './record/failed-logs.js';
import { errorMessage } from '../core/errors.js';
import { healthyFor, rampStepTaken } from './restore-steps.js';

async function release(ctx: AppContext, service: string, environment: string, revision: unknown): Promise<Release> {
  const found = await ctx.store.getRelease(service, environment, Number(revision));
  if (!found) throw new Error(`release revision ${String(revision)} of ${service} in ${environment} not found`);
  return found;
}

/**
 * The rollback's target becomes the one live release: the bad one is marked
 * rolled back and any other live one superseded first, because the store allows
 * one live release per service and environment. Idempotent.
 */
async function makeLive(ctx: AppContext, rollback: Rollback, revision: number, at: number): Promise<void> {
  for (const r of await ctx.store.listReleases(rollback.service, rollback.environment, 1000)) {
    if (r.revision === revision) continue;
    if (r.revision === rollback.fromRevision && r.status !== 'rolled-back')
      await ctx.store.setReleaseStatus(r.id, 'rolled-back', at);
    else if (r.status === 'live') await ctx.store.setReleaseStatus(r.id, 'superseded', at);
  }
  const target = await release(ctx, rollback.service, rollback.environment, revision);
  if (target.status !== 'live') await ctx.store.setReleaseStatus(target.id, 'live', at);
}

/** Step handlers for rollbacks: each is idempotent (DESIGN.md, the executor). */
export function stepHandlers(ctx: AppContext): Partial<Record<StepName, StepHandler>> {
  const base: Partial<Record<StepName, StepHandler>> = {
    async hook(step, { rollback, attempt, signal, log, onProcess }) {
      // the argv comes from the config, not the stored plan: the plan's copy has its secrets masked
      const hooks = serviceConfig(ctx, rollback.service).hooks;
      const configured = [...hooks.preRollback, ...hooks.postRollback].find((h) => h.name === step.params.hook);
      if (!configured) throw new Error(`hook ${String(step.params.hook)} is no longer in ${ctx.loaded.file}`);
      const command = configured.command.map((a) =>
        fillPlaceholders(a, {
          service: rollback.service,
          env: rollback.environment,
          revision: rollback.toRevision,
          rollback: rollback.id,
        }),
      );
      const result = await ctx.processes.run(command, {
        cwd: ctx.loaded.baseDir,
        // a re-run after a crash is allowed (steps are idempotent); the hook can tell it is one
        env: { REWIND_ATTEMPT: String(attempt), REWIND_ROLLBACK_ID: rollback.id, REWIND_STEP: String(step.index + 1) },
        passEnv: ctx.loaded.config.controller.passEnv,
        timeoutMs: step.timeoutMs,
        signal,
        onSpawn: onProcess,
        onLine: (l) => log(ctx.redact(l)),
      });
      if (result.code !== 0)
        throw new Error(`hook ${String(step.params.hook)} exited with ${result.code ?? result.signal}`);
    },
    async 'restore-config'(step, { rollback, signal, log }) {
      const target = await release(ctx, rollback.service, rollback.environment, step.params.revision);
      const driver = ctx.driver(rollback.service);
      if (!driver.writeConfigFiles) throw new Error(`the ${driver.type} driver cannot put config files back`);
      return driver.writeConfigFiles(target, await ctx.store.configFiles(target.id), { signal, log });
    },
    async start(step, { rollback, signal, log, onProcess }) {
      const target = await release(ctx, rollback.service, rollback.environment, step.params.revision);
      return ctx.driver(rollback.service).start(target, { signal, log, onProcess });
    },
    async 'await-healthy'(step, { rollback, signal, log }) {
      const driver = ctx.driver(rollback.service);
      const interval = Math.min(500, parseDuration(serviceConfig(ctx, rollback.service).health.interval));
      let last = 'no answer yet';
      for (;;) {
        const live = await driver.describe(rollback.service, rollback.environment, { signal });
        const target = live.releases.find((r) => r.revision === Number(step.params.revision));
        if (target ? target.healthy && target.ready >= target.desired : live.healthy === true) {
          return target ? `${target.ready}/${target.desired} instances ready` : 'platform reports healthy';
        }
        const now = target
          ? `${target.ready}/${target.desired} instances ready, healthy=${target.healthy}`
          : 'not reported healthy';
        if (now !== last) log(now);
        last = now;
        if (signal.aborted) throw new Error(`target release never became healthy (${last})`);
        await ctx.clock.sleep(interval, signal).catch(() => {
          throw new Error(`target release never became healthy (${last})`);
        });
      }
    },
    async 'shift-traffic'(step, { rollback, signal, log, onProcess }) {
      const weights = step.params.weights as Weights;
      const releases = await Promise.all(
        Object.keys(weights).map((rev) => release(ctx, rollback.service, rollback.environment, rev)),
      );
      const output = await ctx
        .driver(rollback.service)
        .shiftTraffic(rollback.service, rollback.environment, weights, releases, { signal, log, onProcess });
      // a step of a gradual restoration: the target serves its share, the bad release the rest
      if (typeof step.params.ramp === 'number') return rampStepTaken(ctx, rollback, step, output);
      const now = ctx.clock.now();
      await makeLive(ctx, rollback, Number(step.params.to), now);
      await ctx.emit({
        type: 'rollback.traffic-restored',
        service: rollback.service,
        environment: rollback.environment,
        rollbackId: rollback.id,
        revision: Number(step.params.to),
        message: `traffic is back on revision ${String(step.params.to)}`,
        data: { toRevision: step.params.to, atMs: now },
      });
      return output;
    },
    async retire(step, { rollback, signal, log, onProcess }) {
      const bad = await release(ctx, rollback.service, rollback.environment, step.params.revision);
      // traffic left it one step ago: count what its users met now (the report's impact), before
      // the release is removed and the traffic switch frees its telemetry
      if (bad.revision === rollback.fromRevision) {
        await recordImpact(ctx, rollback);
        await recordFailedLogs(ctx, rollback);
      }
      return ctx.driver(rollback.service).retire(bad, { signal, log, onProcess, force: step.params.force === true });
    },
    async 'revert-source'(step, { rollback, signal, log }) {
      const driver = ctx.driver(rollback.service);
      if (!driver.revertSource) throw new Error(`the ${driver.type} driver cannot revert a release's source`);
      const bad = await release(ctx, rollback.service, rollback.environment, step.params.from);
      const good = await release(ctx, rollback.service, rollback.environment, step.params.to);
      return driver.revertSource(bad, good, { signal, log });
    },
    async 'native-undo'(step, { rollback, signal, log, onProcess }) {
      const driver = ctx.driver(rollback.service);
      const target = await release(ctx, rollback.service, rollback.environment, step.params.revision);
      if (!driver.undo) throw new Error(`the ${driver.type} driver has no native undo`);
      // the undo replaces the bad release's instances: what they printed is read first
      await recordFailedLogs(ctx, rollback);
      const output = await driver.undo(rollback.service, rollback.environment, target, { signal, log, onProcess });
      await makeLive(ctx, rollback, target.revision, ctx.clock.now());
      return output;
    },
    async hold(step, { rollback, signal }) {
      // without a monitor: the platform's own health answer over the hold
      await healthyFor(ctx, rollback, Number(step.params.durationMs), signal).catch((error: unknown) => {
        throw new Error(`the target failed at ${String(step.params.weight)}% of the traffic: ${errorMessage(error)}`);
      });
      return `${String(step.params.weight)}% held for ${Math.round(Number(step.params.durationMs) / 1000)}s`;
    },
    async watch(step, { rollback, signal }) {
      // Without a monitor (command driver): watch the platform's own health answer.
      await healthyFor(ctx, rollback, Number(step.params.durationMs), signal);
      return `stable for ${Math.round(Number(step.params.durationMs) / 1000)}s`;
    },
  };
  // database steps, smoke tests and the monitor's watch come from other parts of the app
  const all: Partial<Record<StepName, StepHandler>> = Object.assign(
    base,
    ...ctx.extraHandlers.map((extension) => extension(ctx)),
  );
  return Object.fromEntries(
    Object.entries(all).map(([name, handler]) => [name, handler && perService(handler)]),
  ) as Partial<Record<StepName, StepHandler>>;
}

/**
 * A rollback of several services keeps one record whose steps name their service
 * (`params.service`, `fromRevision`, `toRevision`): each handler sees the
 * rollback as that one service's, so every step works unchanged in a group.
 */
function perService(handler: StepHandler): StepHandler {
  return (step, context) => {
    const service = step.params.service;
    if (typeof service !== 'string') return handler(step, context);
    const fromRevision = step.params.fromRevision;
    return handler(step, {
      ...context,
      rollback: {
        ...context.rollback,
        service,
        fromRevision: typeof fromRevision === 'number' ? fromRevision : null,
        toRevision: Number(step.params.toRevision),
      },
    });
  };
}
