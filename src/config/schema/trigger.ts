import { z } from 'zod';
import { duration, name, severity } from './primitives.js';

/** A trigger: a rule over one signal of a release, evaluated while the release is watched. */
export const triggerSchema = z
  .strictObject({
    name: name('trigger').optional().describe('defaults to the metric and threshold'),
    metric: z
      .string()
      .describe(
        'a signal: errorRate, latencyP95Ms, latencyP99Ms, requestRate, consecutive5xx, usersAffected, usersAffectedRatio, failedRequests, healthCheckFailures, restarts, cpuPercent, memoryMB, or a provider query name',
      ),
    above: z.number().optional().describe('fire when the value is above this'),
    below: z.number().optional().describe('fire when the value is below this'),
    for: duration('how long the breach must last').default('0s'),
    minSamples: z.number().int().min(0).default(1).describe('ignore windows with fewer samples'),
    consecutive: z.number().int().min(1).default(1).describe('bad evaluations in a row before firing'),
    severity: severity.default('medium').describe('how bad a firing is; the policy matrix decides by it'),
    source: z.string().optional().describe('metric provider name; default: built-in signals'),
    window: duration('the span each reading covers; default the `for` span, at least 1s, at most 1m').optional(),
    evidence: z
      .enum(['window', 'sequential'])
      .default('window')
      .describe(
        'window: the reading over `window` breaches for `for`; sequential (errorRate, latencyP95Ms, latencyP99Ms with `above`): a sequential test over every request since the watch began fires as soon as the breach is conclusive',
      ),
    mode: z
      .enum(['act', 'shadow'])
      .default('act')
      .describe('shadow: evaluated and recorded (trigger.shadow-fired, reports, replay) but never acted on'),
    falseAlarm: z
      .number()
      .gt(0)
      .lt(0.5)
      .default(0.001)
      .describe(
        'sequential evidence: the chance of firing on a release that is within its threshold, over a whole watch',
      ),
  })
  .describe('a rule over a signal');
