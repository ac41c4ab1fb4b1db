/**
 * Policy replay: run triggers and a matrix over the per-second
 * samples recorded during an episode, to see when each trigger would have
 * fired and what would have been decided — `rewind policy replay`.
 */
import { UserError } from '../errors.js';
import type { SignalReading } from '../ports/signal-source.js';
import type { SignalSample } from '../ports/store.js';
import type { Decision } from './decide.js';
import { decide } from './decide.js';
import type { DecisionMatrix } from './matrix.js';
import type { TriggerSpec } from './trigger-spec.js';
import type { TriggerOutcome } from './triggers.js';
import { createTriggerEvaluator } from './triggers.js';

export interface ReplayInput {
  /** the recorded samples of one release (filter by revision first, or pass `revision`) */
  samples: SignalSample[];
  triggers: TriggerSpec[];
  matrix: DecisionMatrix;
  environment: string;
  /** only samples of this revision; default all given */
  revision?: number;
  /** the environment allows automatic rollback; default true */
  automatic?: boolean;
  /** evaluation step; default 1000 ms (samples are per second) */
  stepMs?: number;
  /** replay bounds; default the first and last sample */
  from?: number;
  to?: number;
  /**
   * The window each reading aggregates, per trigger; default one step. Values in
   * the window are averaged weighted by their sample counts (exact for rates,
   * an approximation for percentiles) and their sample counts summed.
   */
  windowMs?: number;
}

export interface ReplayRow {
  trigger: string;
  metric: string;
  severity: TriggerSpec['severity'];
  /** when it would first have fired, or null */
  firedAt: number | null;
  /** ms after the replay start */
  offsetMs: number | null;
  /** the value at that time */
  value: number | null;
  /** the decision policy would have made then (with every acting trigger firing at that moment); null for a shadow trigger */
  decision: Decision | null;
  /** a `mode: shadow` trigger: when it would have fired is shown, but it never decides */
  shadow: boolean;
}

export interface ReplayResult {
  from: number;
  to: number;
  rows: ReplayRow[];
  /** the first decision that was not `ignore`, or null */
  first: { at: number; decision: Decision } | null;
}

/**
 * Distinct users over a window do not add up second by second: each recorded
 * sample already is the count over the trigger's window, so a replay takes the
 * latest one rather than an average.
 */
const DISTINCT_COUNTS = new Set(['usersAffected', 'usersAffectedRatio', 'usersServed']);

/** The reading a source would have returned at `at` over `windowMs`. */
export function readingAt(samples: SignalSample[], at: number, windowMs: number, metric = ''): SignalReading {
  if (DISTINCT_COUNTS.has(metric)) {
    let latest: SignalSample | undefined;
    for (const s of samples) if (s.at > at - windowMs && s.at <= at && (!latest || s.at >= latest.at)) latest = s;
    return latest ? { status: 'ok', value: latest.value, samples: latest.samples } : { status: 'no-data', samples: 0 };
  }
  let weighted = 0;
  let count = 0;
  let plain = 0;
  let n = 0;
  for (const s of samples) {
    if (s.at <= at - windowMs || s.at > at) continue;
    weighted += s.value * s.samples;
    count += s.samples;
    plain += s.value;
    n += 1;
  }
  if (n === 0) return { status: 'no-data', samples: 0 };
  return { status: 'ok', value: count > 0 ? weighted / count : plain / n, samples: count };
}

/**
 * Replays the episode second by second; each trigger's first fire time and the
 * decision at that moment. Decisions after the first rollback are what policy
 * would have said had the release stayed; cooldown and retry limits are not
 * replayed (they depend on rollbacks that did or did not happen).
 */
export function replayPolicy(input: ReplayInput): ReplayResult {
  const stepMs = input.stepMs ?? 1000;
  if (!(stepMs > 0)) throw new UserError('INVALID_REPLAY', 'stepMs must be positive');
  const samples = input.samples.filter((s) => input.revision === undefined || s.revision === input.revision);
  if (samples.length === 0 && (input.from === undefined || input.to === undefined)) {
    throw new UserError('INVALID_REPLAY', 'no samples recorded for this episode: nothing to replay');
  }
  const byMetric = new Map<string, SignalSample[]>();
  for (const s of samples) {
    const list = byMetric.get(s.metric);
    if (list) list.push(s);
    else byMetric.set(s.metric, [s]);
  }
  const from = input.from ?? Math.min(...samples.map((s) => s.at));
  const to = input.to ?? Math.max(...samples.map((s) => s.at));
  const windowMs = input.windowMs ?? stepMs;

  const evaluators = input.triggers.map((spec) => createTriggerEvaluator(spec));
  const rows: ReplayRow[] = evaluators.map(({ spec }) => ({
    trigger: spec.name,
    metric: spec.metric,
    severity: spec.severity,
    firedAt: null,
    offsetMs: null,
    value: null,
    decision: null,
    shadow: spec.mode === 'shadow',
  }));
  let first: ReplayResult['first'] = null;
  let lastAutomaticAt: number | null = null;
  let automaticCount = 0;

  for (let at = from; at <= to; at += stepMs) {
    const outcomes: TriggerOutcome[] = evaluators.map((ev) =>
      ev.evaluate(readingAt(byMetric.get(ev.spec.metric) ?? [], at, windowMs, ev.spec.metric), at),
    );
    const newlyFired = outcomes.filter((o, i) => o.state === 'fired' && rows[i]?.firedAt === null);
    if (newlyFired.length === 0) continue;
    // shadow triggers are recorded when they fire, and left out of every decision
    const acting = outcomes.filter((_, i) => !rows[i]?.shadow);
    const newlyActing = outcomes.some((o, i) => o.state === 'fired' && rows[i]?.firedAt === null && !rows[i]?.shadow);
    const decision = !newlyActing
      ? null
      : decide({
          fired: acting,
          environment: input.environment,
          matrix: input.matrix,
          automatic: input.automatic ?? true,
          cooldown: { lastAutomaticAt, periodMs: 0 },
          retries: { count: automaticCount, maximum: Number.POSITIVE_INFINITY },
          now: at,
        });
    outcomes.forEach((o, i) => {
      const row = rows[i];
      if (!row || o.state !== 'fired' || row.firedAt !== null) return;
      Object.assign(row, {
        firedAt: at,
        offsetMs: at - from,
        value: o.evidence.value,
        decision: row.shadow ? null : decision,
      });
    });
    if (decision === null) continue;
    if (first === null && decision.action !== 'ignore') first = { at, decision };
    if (decision.action === 'rollback') {
      lastAutomaticAt = at;
      automaticCount += 1;
    }
  }
  return { from, to, rows, first };
}
