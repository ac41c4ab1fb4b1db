/**
 * The canary judge inside the watch: during each canary step the
 * per-second samples of canary and stable, over the same seconds, are compared
 * with the statistical judge; a failing score becomes a trigger outcome
 * (severity `high` by default, so the runbook table rolls it back).
 */
import type { ServiceConfig } from '../../config/schema/index.js';
import { alignPerSecond } from '../../core/judge/align.js';
import type { JudgeMetricSpec } from '../../core/judge/classify.js';
import { canaryTrigger, judgeCanary } from '../../core/judge/score.js';
import type { Release } from '../../core/model.js';
import type { TriggerOutcome } from '../../core/policy/triggers.js';
import type { Store } from '../../core/ports/store.js';

/**
 * What is judged. Per-second values: a canary step lasts seconds, not hours,
 * so 8 paired seconds suffice (8 vs 8 fully separated gives p ≈ 0.00016,
 * under the judge's 0.001); error rates must also differ by one point.
 */
export const JUDGE_METRICS: JudgeMetricSpec[] = [
  {
    name: 'errorRate',
    failOn: 'increase',
    effect: { statistic: 'mean', minRelative: 0.25, minAbsolute: 0.01 },
    minSamples: 8,
  },
  {
    name: 'latencyP95Ms',
    failOn: 'increase',
    effect: { statistic: 'median', minRelative: 0.25, minAbsolute: 5 },
    minSamples: 8,
  },
];

export interface CanaryJudgeOptions {
  store: Store;
  canary: Release;
  stable: Release;
  /** judged seconds start here (the canary's first traffic) */
  since: number;
  config: NonNullable<ServiceConfig['canary']['judge']> | undefined;
}

/** Judges now; null when the judge is switched off. */
export async function judgeNow(options: CanaryJudgeOptions, at: number): Promise<TriggerOutcome | null> {
  if (options.config && !options.config.enabled) return null;
  const { store, canary, stable } = options;
  const samples = await store.readSamples({
    service: canary.service,
    environment: canary.environment,
    from: options.since,
    to: at + 1,
  });
  const aligned = alignPerSecond(samples, {
    canaryRevision: canary.revision,
    stableRevision: stable.revision,
    metrics: JUDGE_METRICS.map((m) => m.name),
  });
  const judgement = judgeCanary({ metrics: JUDGE_METRICS }, aligned);
  const outcome = canaryTrigger(judgement, {
    severity: options.config?.severity ?? 'high',
    fireOn: options.config?.fireOn ?? 'fail',
    windowMs: at - options.since,
    since: options.since,
    at,
  });
  return outcome;
}
