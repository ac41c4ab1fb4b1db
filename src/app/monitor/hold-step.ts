/**
 * The `hold` step of a gradual restoration, as the monitor runs it: the target
 * keeps its share of the traffic while its own triggers (not tightened) are
 * evaluated over the hold. A trigger that fires fails the step, which stops the
 * ramp where it is and escalates; traffic is not sent back to the bad release.
 */
import type { StepHandler } from '../../core/executor.js';
import { errorMessage } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { watchRelease } from './watch.js';

export function holdStepHandler(ctx: AppContext): StepHandler {
  return async (step, { rollback, signal }) => {
    const release = await ctx.store.getRelease(rollback.service, rollback.environment, Number(step.params.revision));
    if (!release) throw new Error(`revision ${String(step.params.revision)} of ${rollback.service} not found`);
    const durationMs = Number(step.params.durationMs);
    const percent = String(step.params.weight);
    try {
      await watchRelease(ctx, { release, previous: null, phase: 'post-rollback', durationMs, tighten: 1, signal });
    } catch (error) {
      throw new Error(`the target failed at ${percent}% of the traffic: ${errorMessage(error)}`);
    }
    if (signal.aborted) throw new Error('hold interrupted');
    return `${percent}% held for ${Math.round(durationMs / 1000)}s, the target's triggers quiet`;
  };
}
