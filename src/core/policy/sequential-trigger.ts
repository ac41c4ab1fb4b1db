/**
 * A trigger with `evidence: sequential`: its readings are cumulative since the
 * watch began (the fraction of bad requests and how many requests), and the
 * sequential test of sequential.ts decides, so a release failing half its
 * requests is caught after tens of them and one within its threshold is left
 * alone. Pure, like the window evaluator beside it.
 */
import type { SignalReading } from '../ports/signal-source.js';
import { SEQUENTIAL_METHOD, createSequentialTest } from './sequential.js';
import type { SequentialTest } from './sequential.js';
import type { TriggerEvaluator, TriggerOutcome, TriggerState } from './triggers.js';
import type { TriggerSpec } from './trigger-spec.js';

/** Metrics that have per-request samples (errors, latencies). */
export const SEQUENTIAL_METRICS = ['errorRate', 'latencyP95Ms', 'latencyP99Ms'] as const;

/** What the test tells the evidence, the report and `policy explain`. */
export interface SequentialEvidence {
  method: string;
  /** the acceptable rate of bad requests: the error threshold, or 5 % / 1 % slower than the latency threshold */
  rate: number;
  falseAlarm: number;
  /** requests the deciding test used, and how many of them were bad */
  samples: number;
  bad: number;
  /** 1 − the anytime-valid p-value */
  confidence: number;
  /** latency triggers: the latency a request must exceed to count as bad */
  thresholdMs?: number;
}

/**
 * The rate of bad requests a release may have and still pass: an errorRate
 * trigger's threshold; for `latencyP95Ms above X`, 5 % of requests slower than
 * X (the p95 is above X exactly when more than 5 % are), 1 % for p99.
 */
export function sequentialRate(spec: Pick<TriggerSpec, 'metric' | 'above'>): number {
  if (spec.metric === 'latencyP95Ms') return 0.05;
  if (spec.metric === 'latencyP99Ms') return 0.01;
  return spec.above as number;
}

export function createSequentialEvaluator(
  spec: TriggerSpec & { windowMs: number; severity: TriggerSpec['severity'] },
): TriggerEvaluator {
  const rate = sequentialRate(spec);
  const falseAlarm = spec.falseAlarm ?? 0.001;
  let test: SequentialTest = createSequentialTest({ threshold: rate, falseAlarm });
  let lastAt = -Infinity;
  let since: number | null = null;

  const outcome = (state: TriggerState, reading: SignalReading, at: number): TriggerOutcome => {
    const seen = test.state();
    return {
      trigger: spec.name,
      metric: spec.metric,
      severity: spec.severity,
      state,
      evidence: {
        value: seen.samples === 0 ? null : seen.bad / seen.samples,
        threshold: rate,
        op: '>',
        windowMs: spec.windowMs,
        samples: seen.samples,
        since,
        at,
        ...(reading.status === 'inconclusive' ? { error: reading.error } : {}),
        sequential: {
          method: SEQUENTIAL_METHOD,
          rate,
          falseAlarm,
          samples: seen.samples,
          bad: seen.bad,
          confidence: seen.confidence,
          ...(spec.metric === 'errorRate' ? {} : { thresholdMs: spec.above as number }),
        },
      },
    };
  };

  return {
    spec,
    evaluate(reading, at) {
      if (!Number.isFinite(at) || at < lastAt)
        throw new RangeError(`evaluation time went backwards (${at} < ${lastAt})`);
      lastAt = at;
      if (test.state().decided) return outcome('fired', reading, at);
      // No requests yet, or a source that cannot answer: nothing to add.
      if (reading.status !== 'ok') return outcome(since === null ? 'ok' : 'pending', reading, at);
      // Fewer requests than before: the counts restarted (the release came back); so does the test.
      if (reading.samples < test.state().total) test = createSequentialTest({ threshold: rate, falseAlarm });
      const prior = test.state();
      // Counts derived from a rounded fraction may wobble by one: neither bad
      // nor good requests can un-happen, so hold both at what was seen.
      const bad = Math.min(
        Math.max(Math.round(reading.value * reading.samples), prior.totalBad),
        reading.samples - (prior.total - prior.totalBad),
      );
      const state = test.observe(reading.samples, bad);
      if (state.decided) {
        since ??= at;
        return outcome('fired', reading, at);
      }
      // Leaning towards a breach (a p-value under ½): say so, as the window evaluator says pending.
      since = state.confidence > 0.5 ? (since ?? at) : null;
      return outcome(since === null ? 'ok' : 'pending', reading, at);
    },
    reset() {
      test = createSequentialTest({ threshold: rate, falseAlarm });
      since = null;
    },
  };
}

/** "errorRate: 21 of 40 requests failed (> 10 % conclusive by mixture SPRT …, false alarm 0.001, confidence 99.97 %)" */
export function describeSequential(metric: string, e: SequentialEvidence, thresholdMs?: number): string {
  const what = metric === 'errorRate' ? 'failed' : `were slower than ${thresholdMs ?? '?'} ms`;
  const percent = (value: number): string => `${+(value * 100).toFixed(2)} %`;
  return `${metric}: ${e.bad} of ${e.samples} requests ${what} (> ${percent(e.rate)} conclusive by ${e.method}, false alarm ${e.falseAlarm}, confidence ${percent(e.confidence)})`;
}
