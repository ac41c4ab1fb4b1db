import type { Release, StepSpec } from './model.js';
import type { LiveState } from './ports/driver.js';

/** `rollback.restore` as the planner takes it. */
export interface RestorePlan {
  /** percents of the traffic the target gets, increasing, the last 100 */
  steps: number[];
  /** how long each step below 100 is held while the target's triggers are checked */
  holdMs: number;
  /** cold: ramp only when the target had to start; always: every rollback */
  when: 'cold' | 'always';
}

export interface RampInput {
  from: Release | null;
  to: Release;
  live: LiveState;
  /** the target was running and ready before the rollback */
  warm: boolean;
  /** the driver splits traffic by percent */
  weights: boolean;
  emergency: boolean;
  restore: RestorePlan | null | undefined;
  commandMs: number;
}

const label = (r: Release): string => `${r.service} ${r.version} (revision ${r.revision})`;

/**
 * Why the traffic goes back at once rather than step by step, or null when it
 * ramps. A ramp shares the traffic with the bad release, so it needs one that
 * still answers; an emergency rollback skips the holds as it skips validation.
 */
export function noRampReason(input: RampInput): string | null {
  const { restore, from } = input;
  if (!restore) return 'rollback.restore is not configured';
  if (restore.steps.length <= 1) return 'a single step';
  if (restore.when === 'cold' && input.warm) return 'the target is warm';
  if (input.emergency) return 'an emergency rollback restores at once';
  if (!input.weights) return 'the driver cannot split traffic by percent';
  if (!from || from.revision === input.to.revision) return 'no other release to share the traffic with';
  const bad = input.live.releases.find((r) => r.revision === from.revision);
  if (input.live.observed && (!bad || bad.ready === 0)) return 'the bad release no longer answers';
  return null;
}

/**
 * The steps before the final shift to 100 %: for each percent below 100, a
 * `shift-traffic` to it and a `hold` that checks the target's own triggers
 * (runbook: "for percentage in 25 50 75 100 … observation"). Each is a journaled
 * step, so a controller that crashed mid-ramp resumes at the step it reached;
 * a failing hold stops the ramp where it is (the bad release is not brought back).
 */
export function rampSteps(input: RampInput): StepSpec[] {
  if (noRampReason(input) !== null) return [];
  const { from, to } = input;
  const restore = input.restore as RestorePlan;
  const steps: StepSpec[] = [];
  for (const percent of restore.steps.filter((p) => p < 100)) {
    steps.push({
      name: 'shift-traffic',
      title: `shift ${percent}% of traffic to ${label(to)}`,
      params: {
        weights: { [to.revision]: percent, [(from as Release).revision]: 100 - percent },
        to: to.revision,
        from: (from as Release).revision,
        ramp: percent,
      },
      timeoutMs: input.commandMs,
      onFailure: 'abort',
    });
    steps.push({
      name: 'hold',
      title: `hold ${percent}% on ${label(to)} for ${Math.round(restore.holdMs / 1000)}s, checking its triggers`,
      params: { revision: to.revision, weight: percent, durationMs: restore.holdMs },
      timeoutMs: restore.holdMs + 30_000,
      onFailure: 'abort',
    });
  }
  return steps;
}
