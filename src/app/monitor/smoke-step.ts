/**
 * The `smoke` step of a rollback: the smoke tests against the
 * restored release. A failure is a critical trigger (recorded as
 * `trigger.fired`) and fails the step, which escalates the rollback.
 */
import type { StepHandler } from '../../core/executor.js';
import type { StepName } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { describeSmoke, runSmokeTests, smokeBaseUrl, smokeOutcome } from './smoke.js';

export function smokeStepHandlers(ctx: AppContext): Partial<Record<StepName, StepHandler>> {
  return {
    async smoke(step, { rollback, signal, log }) {
      const config = serviceConfig(ctx, rollback.service);
      const driver = ctx.driver(rollback.service);
      const url = smokeBaseUrl(config, driver.frontDoor?.(rollback.service, rollback.environment) ?? null);
      if (!url || config.smoke.length === 0) return 'no smoke tests to run (set smoke and smokeBaseUrl)';
      const results = await runSmokeTests(url, config.smoke, signal);
      for (const r of results) log(`${r.name}: ${r.ok ? 'ok' : r.problem} (${r.ms}ms)`);
      const outcome = smokeOutcome(results, ctx.clock.now());
      if (outcome.state === 'fired') {
        const revision = Number(step.params.revision);
        await ctx.emit({
          type: 'trigger.fired',
          service: rollback.service,
          environment: rollback.environment,
          rollbackId: rollback.id,
          revision,
          message: `smoke tests failed on ${rollback.service} r${revision}: ${describeSmoke(results)}`,
          data: {
            trigger: outcome.trigger,
            metric: 'smoke',
            value: outcome.evidence.value,
            threshold: 0,
            op: '>',
            windowMs: 0,
            samples: results.length,
            severity: 'critical',
            revision,
          },
        });
        throw new Error(`smoke tests failed: ${describeSmoke(results.filter((r) => !r.ok))}`);
      }
      return describeSmoke(results);
    },
  };
}
