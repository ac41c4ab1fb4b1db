import { parseDuration } from '../core/duration.js';
import { badRequest } from '../core/errors.js';
import type { RewindEvent } from '../core/model.js';

/**
 * The moments of one incident, epoch ms, null when the events do not show them.
 * - detected: the first `trigger.fired` of the episode (an `ignore` decision ends
 *   an episode; a manual rollback has no detection)
 * - decided: the decision to roll back — `approval.approved`, an `approval.timeout`
 *   whose policy rolls back, a `decision.made` with action rollback, or for a
 *   manual rollback the `rollback.initiated` itself
 * - trafficRestored: `rollback.traffic-restored` (its `atMs` when present): the
 *   end of execution, users are on the good release again
 * - stable: `rollback.completed`, after the post-rollback watch
 * - fault: `faultStartedAt` in a trigger's data, known in drills and the demo
 */
export interface RecoveryMoments {
  faultAt: number | null;
  detectedAt: number | null;
  decidedAt: number | null;
  executionStartedAt: number | null;
  trafficRestoredAt: number | null;
  stableAt: number | null;
}

/** The phases of a recovery (detection → decision → execution → stable), in ms; null when a moment is missing. */
export interface RecoveryTimes extends RecoveryMoments {
  detectionToDecisionMs: number | null;
  decisionToExecutionMs: number | null;
  executionToStableMs: number | null;
  /** detection (or the decision, when nothing detected it) → stable */
  totalMs: number | null;
  /** fault → detection, when the fault time is known */
  faultToDetectionMs: number | null;
  /** fault → traffic restored: the figure `npm run bench` reports */
  faultToTrafficRestoredMs: number | null;
}

export const RECOVERY_PHASES = [
  'detectionToDecision',
  'decisionToExecution',
  'executionToStable',
  'total',
  'faultToDetection',
  'faultToTrafficRestored',
] as const;
export type RecoveryPhase = (typeof RECOVERY_PHASES)[number];

/** Target per phase, in ms or as a duration string (`"60s"`); a phase without one is not checked. */
export type RecoveryTargets = Partial<Record<RecoveryPhase, number | string>>;

export interface TargetCheck {
  target: RecoveryPhase;
  measuredMs: number | null;
  targetMs: number;
  /** `n/a` when the phase could not be measured (e.g. no detection in a manual rollback) */
  result: 'pass' | 'miss' | 'n/a';
}

const ROLLBACK_DECISIONS = new Set(['rollback']);

/** Measures the recovery phases from an incident's events (any order). */
export function measureRecoveryTimes(events: readonly RewindEvent[]): RecoveryTimes {
  const sorted = [...events].sort((a, b) => a.at - b.at || a.id - b.id);
  const initiated = sorted.find((event) => event.type === 'rollback.initiated') ?? null;
  const before = initiated ? sorted.filter((event) => event.at <= initiated.at) : sorted;

  const decision =
    before.find((event) => event.type === 'approval.approved') ??
    before.find((event) => event.type === 'approval.timeout' && event.data.onTimeout === 'rollback') ??
    before.find((event) => event.type === 'decision.made' && ROLLBACK_DECISIONS.has(String(event.data.action))) ??
    initiated;
  const decidedAt = decision?.at ?? null;

  // an `ignore` before the decision closes an earlier episode: detection starts after it
  const episodeStart =
    decidedAt === null
      ? -Infinity
      : Math.max(
          -Infinity,
          ...before
            .filter(
              (event) => event.type === 'decision.made' && event.data.action === 'ignore' && event.at <= decidedAt,
            )
            .map((event) => event.at),
        );
  const triggers = sorted.filter(
    (event) =>
      event.type === 'trigger.fired' && event.at > episodeStart && (decidedAt === null || event.at <= decidedAt),
  );
  const detectedAt = triggers[0]?.at ?? null;
  const faultAt =
    triggers.map((event) => event.data.faultStartedAt).find((value): value is number => typeof value === 'number') ??
    null;

  const restored = sorted.find((event) => event.type === 'rollback.traffic-restored');
  const trafficRestoredAt = restored
    ? typeof restored.data.atMs === 'number'
      ? restored.data.atMs
      : restored.at
    : null;
  const stableAt = sorted.find((event) => event.type === 'rollback.completed')?.at ?? null;

  const span = (from: number | null, to: number | null): number | null =>
    from === null || to === null ? null : to - from;
  return {
    faultAt,
    detectedAt,
    decidedAt,
    executionStartedAt: initiated?.at ?? null,
    trafficRestoredAt,
    stableAt,
    detectionToDecisionMs: span(detectedAt, decidedAt),
    decisionToExecutionMs: span(decidedAt, trafficRestoredAt),
    executionToStableMs: span(trafficRestoredAt, stableAt),
    totalMs: span(detectedAt ?? decidedAt, stableAt),
    faultToDetectionMs: span(faultAt, detectedAt),
    faultToTrafficRestoredMs: span(faultAt, trafficRestoredAt),
  };
}

/** Each configured target beside its measurement: pass when measured ≤ target. */
export function checkRecoveryTargets(times: RecoveryTimes, targets: RecoveryTargets = {}): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const phase of RECOVERY_PHASES) {
    const raw = targets[phase];
    if (raw === undefined) continue;
    const targetMs = targetToMs(phase, raw);
    const measuredMs = times[`${phase}Ms`];
    checks.push({
      target: phase,
      measuredMs,
      targetMs,
      result: measuredMs === null ? 'n/a' : measuredMs <= targetMs ? 'pass' : 'miss',
    });
  }
  return checks;
}

/** The `target.missed` event data for each missed target. */
export function missedTargets(
  events: readonly RewindEvent[],
  targets: RecoveryTargets = {},
): { target: RecoveryPhase; measuredMs: number; targetMs: number }[] {
  return checkRecoveryTargets(measureRecoveryTimes(events), targets)
    .filter(
      (check): check is TargetCheck & { measuredMs: number } => check.result === 'miss' && check.measuredMs !== null,
    )
    .map(({ target, measuredMs, targetMs }) => ({ target, measuredMs, targetMs }));
}

function targetToMs(phase: RecoveryPhase, raw: number | string): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw;
  try {
    if (typeof raw === 'string') return parseDuration(raw);
  } catch {
    // reported below with the phase named
  }
  throw badRequest(
    `recovery target "${phase}" must be a duration like "60s" or a number of ms, got ${JSON.stringify(raw)}`,
    'BAD_TARGET',
  );
}
