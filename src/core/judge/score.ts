/**
 * The canary score, Kayenta-like: the weighted share of metrics
 * that did not fail, 0–100, compared with two thresholds. A failing score then
 * becomes an ordinary trigger outcome, so the decision matrix treats the judge
 * like any other trigger.
 */
import type { TriggerOutcome } from '../policy/triggers.js';
import type { Severity } from '../policy/trigger-spec.js';
import type { JudgeMetricSpec, MetricVerdict } from './classify.js';
import { classifyMetric } from './classify.js';

export interface ScoreThresholds {
  /** a score at or above this passes; default 95 */
  pass: number;
  /** a score below this fails; between the two it is marginal; default 75 */
  marginal: number;
}

export const DEFAULT_THRESHOLDS: ScoreThresholds = { pass: 95, marginal: 75 };

export interface CanaryJudgeOptions {
  metrics: JudgeMetricSpec[];
  thresholds?: ScoreThresholds;
}

/** Samples of each metric over the same seconds: per request or per second. */
export type CanarySamples = Record<string, { canary: readonly number[]; stable: readonly number[] }>;

export interface CanaryJudgement {
  /** 0–100, or null when no metric had enough data */
  score: number | null;
  result: 'pass' | 'marginal' | 'fail' | 'nodata';
  metrics: MetricVerdict[];
  thresholds: ScoreThresholds;
  /** one sentence */
  reason: string;
}

/** Scores a canary against the stable release. */
export function judgeCanary(options: CanaryJudgeOptions, samples: CanarySamples): CanaryJudgement {
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  if (!(thresholds.marginal <= thresholds.pass))
    throw new RangeError('the marginal threshold must not exceed the pass threshold');
  const metrics = options.metrics.map((spec) =>
    classifyMetric(spec, samples[spec.name]?.canary ?? [], samples[spec.name]?.stable ?? []),
  );
  const counted = options.metrics
    .map((spec, i) => ({ spec, verdict: metrics[i] as MetricVerdict }))
    .filter((m) => m.verdict.classification !== 'nodata');
  if (counted.length === 0) {
    return {
      score: null,
      result: 'nodata',
      metrics,
      thresholds,
      reason: 'no metric had enough samples to judge the canary',
    };
  }
  const weight = (spec: JudgeMetricSpec): number => spec.weight ?? 1;
  const total = counted.reduce((sum, m) => sum + weight(m.spec), 0);
  const passed = counted.filter((m) => !m.verdict.failed).reduce((sum, m) => sum + weight(m.spec), 0);
  const criticalFailure = counted.find((m) => m.verdict.failed && m.spec.critical);
  const score = criticalFailure ? 0 : total > 0 ? Math.round((passed / total) * 1000) / 10 : 100;
  const result = score >= thresholds.pass ? 'pass' : score < thresholds.marginal ? 'fail' : 'marginal';
  const failing = metrics.filter((m) => m.failed);
  const reason =
    failing.length === 0
      ? `canary score ${score}: every metric passed`
      : `canary score ${score} (${result})${criticalFailure ? `, critical metric ${criticalFailure.spec.name} failed` : ''}: ${failing.map((m) => m.reason).join('; ')}`;
  return { score, result, metrics, thresholds, reason };
}

export interface CanaryTriggerOptions {
  /** default `canary-judge` */
  name?: string;
  /** default `high` (error-rate class: rollback and notify on-call in the default matrix) */
  severity?: Severity;
  /** which result fires: `fail` (default) or also `marginal` */
  fireOn?: 'fail' | 'marginal';
  /** the judged window, for the evidence */
  windowMs: number;
  /** start of the judged window */
  since: number;
  at: number;
}

/**
 * The judgement as a trigger outcome on the metric `canaryScore`: `fired` for a
 * failing score (or marginal with `fireOn: 'marginal'`), `pending` for a
 * marginal one, `ok` for pass and for no data yet (too little traffic is
 * normal right after a deploy; minimum samples guard the decision).
 */
export function canaryTrigger(judgement: CanaryJudgement, options: CanaryTriggerOptions): TriggerOutcome {
  const fireOn = options.fireOn ?? 'fail';
  const state =
    judgement.result === 'fail' || (judgement.result === 'marginal' && fireOn === 'marginal')
      ? 'fired'
      : judgement.result === 'marginal'
        ? 'pending'
        : 'ok';
  const samples = Math.min(...judgement.metrics.map((m) => Math.min(m.canary.n, m.stable.n)));
  return {
    trigger: options.name ?? 'canary-judge',
    metric: 'canaryScore',
    severity: options.severity ?? 'high',
    state,
    evidence: {
      value: judgement.score,
      threshold: fireOn === 'marginal' ? judgement.thresholds.pass : judgement.thresholds.marginal,
      op: '<',
      windowMs: options.windowMs,
      samples: Number.isFinite(samples) ? samples : 0,
      since: state === 'ok' ? null : options.since,
      at: options.at,
    },
  };
}
