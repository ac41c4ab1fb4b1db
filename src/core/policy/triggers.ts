/**
 * Trigger evaluation. One evaluator per (release, trigger) is fed a
 * `SignalReading` at each evaluation time and says whether the trigger fired.
 * Pure: no clock, no I/O — the caller passes `at` (epoch ms).
 */
import type { SignalReading } from '../ports/signal-source.js';
import type { Severity, ThresholdOp, TriggerSpec } from './trigger-spec.js';
import { validateTrigger } from './trigger-spec.js';
import { createSequentialEvaluator } from './sequential-trigger.js';
import type { SequentialEvidence } from './sequential-trigger.js';

export type TriggerState = 'ok' | 'pending' | 'fired' | 'inconclusive';

/** What the evaluator saw; stored with the decision and shown in the incident report. */
export interface TriggerEvidence {
  /** the reading's value; null when the reading had none (no-data, inconclusive) */
  value: number | null;
  /** the threshold compared against (the breached side when both are set) */
  threshold: number;
  op: ThresholdOp;
  /** the window each reading covers */
  windowMs: number;
  /** samples behind the reading (0 for no-data and inconclusive) */
  samples: number;
  /** first bad evaluation of the current breach, or null when there is none */
  since: number | null;
  /** this evaluation's time */
  at: number;
  /** the source's error, for inconclusive readings */
  error?: string;
  /** sequential evidence: the test, the requests it used and the confidence it reached */
  sequential?: SequentialEvidence;
}

/** The evaluator's answer; also the shape decide() and the canary judge exchange. */
export interface TriggerOutcome {
  trigger: string;
  metric: string;
  severity: Severity;
  state: TriggerState;
  evidence: TriggerEvidence;
}

export interface TriggerEvaluatorOptions {
  /**
   * Consecutive inconclusive evaluations after which the evaluator reports
   * `inconclusive` (policy then asks a human). Default 3.
   */
  inconclusiveLimit?: number;
}

export interface TriggerEvaluator {
  readonly spec: TriggerSpec;
  /** Feed one reading taken at `at`; `at` must not go backwards. */
  evaluate(reading: SignalReading, at: number): TriggerOutcome;
  /** Forget any breach in progress (after a rollback or a promotion). */
  reset(): void;
}

/**
 * Creates the evaluator for one trigger. Semantics, per evaluation at time `at`:
 *
 * - **bad**: the reading is `ok`, has `samples >= minSamples`, and its value is
 *   strictly `> above` or strictly `< below`.
 * - **not bad**: an `ok` reading inside the thresholds, an `ok` reading with fewer
 *   than `minSamples` samples (too little traffic to judge), or `no-data`. Each
 *   ends the breach in progress: a breach must be bad *continuously*. State `ok`.
 * - **inconclusive** reading: neither healthy nor failing. It neither ends nor
 *   extends a breach (it never fires a trigger and never counts toward
 *   `consecutive`), but it is counted: after `inconclusiveLimit` inconclusive
 *   evaluations in a row the state is `inconclusive`; before that it is `pending`
 *   when a breach is in progress and `ok` otherwise. Any other reading resets
 *   the count.
 * - A bad evaluation starts a breach (`since = at`) when none is in progress and
 *   adds one to the consecutive count. The state is `fired` when
 *   `at - since >= forMs` **and** the count `>= consecutive`, else `pending`. With
 *   `forMs = 0` and `consecutive = 1` a single bad evaluation fires.
 * - Once fired, further bad evaluations keep answering `fired`; the first not-bad
 *   one answers `ok` and a later breach starts over.
 */
export function createTriggerEvaluator(spec: TriggerSpec, options: TriggerEvaluatorOptions = {}): TriggerEvaluator {
  const valid = validateTrigger(spec);
  if (valid.evidence === 'sequential') return createSequentialEvaluator(valid);
  const inconclusiveLimit = options.inconclusiveLimit ?? 3;
  if (!Number.isInteger(inconclusiveLimit) || inconclusiveLimit < 1) {
    throw new RangeError('inconclusiveLimit must be a whole number ≥ 1');
  }
  let since: number | null = null;
  let badCount = 0;
  let inconclusiveCount = 0;
  let lastAt = -Infinity;

  const defaultSide = (): { threshold: number; op: ThresholdOp } =>
    valid.above !== undefined ? { threshold: valid.above, op: '>' } : { threshold: valid.below as number, op: '<' };

  const breachedSide = (value: number): { threshold: number; op: ThresholdOp } | null => {
    if (valid.above !== undefined && value > valid.above) return { threshold: valid.above, op: '>' };
    if (valid.below !== undefined && value < valid.below) return { threshold: valid.below, op: '<' };
    return null;
  };

  const outcome = (
    state: TriggerState,
    evidence: Omit<TriggerEvidence, 'windowMs' | 'since' | 'at'>,
    at: number,
  ): TriggerOutcome => ({
    trigger: valid.name,
    metric: valid.metric,
    severity: valid.severity,
    state,
    evidence: { ...evidence, windowMs: valid.windowMs, since, at },
  });

  return {
    spec: valid,
    evaluate(reading, at) {
      if (!Number.isFinite(at) || at < lastAt)
        throw new RangeError(`evaluation time went backwards (${at} < ${lastAt})`);
      lastAt = at;

      if (reading.status === 'inconclusive') {
        inconclusiveCount += 1;
        const state: TriggerState =
          inconclusiveCount >= inconclusiveLimit ? 'inconclusive' : since !== null ? 'pending' : 'ok';
        return outcome(state, { value: null, samples: 0, error: reading.error, ...defaultSide() }, at);
      }
      inconclusiveCount = 0;

      const side = reading.status === 'ok' && reading.samples >= valid.minSamples ? breachedSide(reading.value) : null;
      const value = reading.status === 'ok' ? reading.value : null;
      if (side === null) {
        since = null;
        badCount = 0;
        return outcome('ok', { value, samples: reading.samples, ...defaultSide() }, at);
      }
      if (since === null) since = at;
      badCount += 1;
      const fired = at - since >= valid.forMs && badCount >= valid.consecutive;
      return outcome(fired ? 'fired' : 'pending', { value, samples: reading.samples, ...side }, at);
    },
    reset() {
      since = null;
      badCount = 0;
      inconclusiveCount = 0;
    },
  };
}
