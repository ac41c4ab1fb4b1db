/**
 * The pieces of a gradual restoration the step handlers share: what a ramp's
 * shift leaves behind (an event with the share reached), and the health watch
 * used by `hold` and `watch` when no monitor runs (the command driver's own
 * health answer).
 */
import type { Rollback, Step } from '../core/model.js';
import type { AppContext } from './context.js';

/** Records a ramp step reached: `rollback.restore-step` with the target's share; the release stays not-yet-live. */
export async function rampStepTaken(ctx: AppContext, rollback: Rollback, step: Step, output: string): Promise<string> {
  const percent = Number(step.params.ramp);
  await ctx.emit({
    type: 'rollback.restore-step',
    service: rollback.service,
    environment: rollback.environment,
    rollbackId: rollback.id,
    revision: Number(step.params.to),
    message: `${percent}% of traffic on revision ${String(step.params.to)}, the rest still on revision ${String(step.params.from)}`,
    data: { percent, toRevision: step.params.to, fromRevision: step.params.from, weights: step.params.weights },
  });
  return output || `${percent}% of traffic on revision ${String(step.params.to)}`;
}

/** Resolves after `durationMs` of the platform reporting health; throws as soon as it reports the service unhealthy. */
export async function healthyFor(
  ctx: AppContext,
  rollback: Rollback,
  durationMs: number,
  signal: AbortSignal,
): Promise<void> {
  const driver = ctx.driver(rollback.service);
  const until = ctx.clock.now() + durationMs;
  while (ctx.clock.now() < until) {
    if (driver.capabilities.health) {
      const live = await driver.describe(rollback.service, rollback.environment, { signal });
      if (live.healthy === false) throw new Error('the restored release is not healthy');
    }
    await ctx.clock.sleep(Math.min(1000, Math.max(0, until - ctx.clock.now())), signal);
  }
}
