import { z } from 'zod';
import { duration } from './primitives.js';

/**
 * Gradual restoration (runbook: "for percentage in 25 50 75 100 … observe"): a
 * cold target is not flooded with all the traffic at once; at each step its own
 * triggers are checked over `hold`, and a failing step stops the ramp there.
 */
export const restoreSchema = z
  .strictObject({
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .refine((steps) => steps.every((s, i) => i === 0 || s > (steps[i - 1] as number)), {
        error: 'expected percents in increasing order, like [25, 50, 75, 100]',
      })
      .refine((steps) => steps.at(-1) === 100, { error: 'expected the last step to be 100 (all the traffic)' })
      .default([25, 50, 75, 100])
      .describe('percents of the traffic the target gets, one step after the other; the last is 100'),
    hold: duration('how long each step below 100 is held while the target’s triggers are checked').default('30s'),
    when: z
      .enum(['cold', 'always'])
      .default('cold')
      .describe(
        'cold: ramp only when the target had to start (a warm target gets all the traffic at once); always: ramp every rollback',
      ),
  })
  .describe('restore traffic to the rollback target step by step; absent: all at once');

/** The failed release's logs in the incident report: lines kept around the first failure of each instance. */
export const rollbackLogsSchema = z.strictObject({
  before: z.number().int().min(0).max(10_000).default(200).describe('lines kept before the first failure'),
  after: z.number().int().min(0).max(10_000).default(50).describe('lines kept after the first failure'),
});

/** `rollback:` of a service or a policy: how a rollback restores traffic and what it keeps of the bad release. */
export const rollbackOptionsSchema = z.strictObject({
  restore: restoreSchema.optional(),
  logs: rollbackLogsSchema
    .optional()
    .describe('the excerpt of the failed release’s output; default 200 before, 50 after'),
});

export type RestoreConfig = z.output<typeof restoreSchema>;
export type RollbackLogsConfig = z.output<typeof rollbackLogsSchema>;
