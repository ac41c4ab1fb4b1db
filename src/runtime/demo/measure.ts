/**
 * The demo's and the bench's measurements: when the fault started,
 * when Rewind noticed, when clients were served well again.
 *
 * - fault start: the later of (a) the fault's activation in the app — the
 *   earliest spawn of the faulty release (the local driver logs each spawn with
 *   a millisecond timestamp) plus FAULT_AFTER_MS for the faults that wait for it —
 *   and (b) the start of the first request the faulty release answered: a fault
 *   nobody is sent to hurts nobody. (Node needs some tens of ms to boot after the
 *   spawn, so a delayed fault really starts a little later: figures err long.)
 * - detected: the first `trigger.fired` event of the faulty revision.
 * - traffic restored, as a client sees it: the start of the first request after
 *   which every request was answered 2xx by the good release.
 */
import { readFileSync } from 'node:fs';
import type { RewindEvent } from '../../core/model.js';
import { isFailed, type RequestSample } from './load-report.js';

export interface FaultClockInput {
  instances: number;
  /** ms from the process start to the fault; 0 when it is on from the start */
  activatesAfterMs: number;
  /** the load's samples and the faulty release's label in them */
  samples: readonly RequestSample[];
  faultyRelease: string;
}

/** Epoch ms of the first "starting on" (or, from older versions, "started pid") line in a local driver instance log, or null. */
export function firstSpawnAt(logFile: string): number | null {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  const match = /^\[rewind ([^\]]+)\] (?:starting on|started pid \d+)/m.exec(text);
  const at = match ? Date.parse(match[1] ?? '') : NaN;
  return Number.isFinite(at) ? at : null;
}

/** When clients could first meet the fault; null when no instance log names a spawn. */
export function faultStartAt(input: FaultClockInput, logFileOf: (index: number) => string): number | null {
  const spawns: number[] = [];
  for (let index = 0; index < input.instances; index += 1) {
    const at = firstSpawnAt(logFileOf(index));
    if (at !== null) spawns.push(at);
  }
  if (spawns.length === 0) return null;
  const activated = Math.min(...spawns) + input.activatesAfterMs;
  const firstServed = firstServedAt(input.samples, input.faultyRelease);
  // A crash can strike before any answer came back: then activation is all we know.
  return firstServed === null ? activated : Math.max(activated, firstServed);
}

/** The start of the first request `release` answered; null when it answered none. */
export function firstServedAt(samples: readonly RequestSample[], release: string): number | null {
  let first = Infinity;
  for (const sample of samples) if (sample.release === release && sample.startedAt < first) first = sample.startedAt;
  return Number.isFinite(first) ? first : null;
}

/** The first trigger that fired on `revision` at or after `from`. */
export function firstTrigger(events: readonly RewindEvent[], revision: number, from: number): RewindEvent | null {
  return (
    events.find((event) => event.type === 'trigger.fired' && event.revision === revision && event.at >= from) ?? null
  );
}

/**
 * Start time of the first request from which on (by start time) every request
 * that started after `from` was answered 2xx by `goodRelease`; null when the
 * last request was still a bad one.
 */
export function trafficRestoredAt(samples: readonly RequestSample[], from: number, goodRelease: string): number | null {
  const after = samples.filter((sample) => sample.startedAt >= from).sort((a, b) => a.startedAt - b.startedAt);
  let restored: number | null = after.length > 0 ? (after[0]?.startedAt ?? null) : null;
  let badSeen = false;
  for (let i = 0; i < after.length; i += 1) {
    const sample = after[i]!;
    if (isFailed(sample) || sample.release !== goodRelease) {
      badSeen = true;
      restored = after[i + 1]?.startedAt ?? null;
    }
  }
  // Nothing went wrong after `from`: clients were never off the good release.
  return badSeen ? restored : from;
}

export interface EpisodeFigures {
  faultStartAt: number | null;
  detectedAfterMs: number | null;
  trafficRestoredAfterMs: number | null;
  /** when the switch flipped (the `rollback.traffic-restored` event), from the fault's start */
  switchFlippedAfterMs: number | null;
  /** failed requests that started after the fault began */
  failedAfterFault: number;
  /**
   * Requests that started after the switch flipped and were still not answered
   * 2xx by the good release (the switch should send none of them astray), with
   * up to five examples: start relative to the flip, status or error, release.
   */
  afterFlip: {
    bad: number;
    examples: { startedAfterFlipMs: number; status: number | null; error: string | null; release: string | null }[];
  };
}

export function episodeFigures(input: {
  samples: readonly RequestSample[];
  events: readonly RewindEvent[];
  faultStartAt: number | null;
  faultyRevision: number;
  goodRelease: string;
}): EpisodeFigures {
  const start = input.faultStartAt;
  const noFlip = { bad: 0, examples: [] };
  if (start === null)
    return {
      faultStartAt: null,
      detectedAfterMs: null,
      trafficRestoredAfterMs: null,
      switchFlippedAfterMs: null,
      failedAfterFault: 0,
      afterFlip: noFlip,
    };
  const fired = firstTrigger(input.events, input.faultyRevision, 0);
  const flipped = input.events.find((event) => event.type === 'rollback.traffic-restored' && event.at >= start);
  const restored = flipped ? trafficRestoredAt(input.samples, start, input.goodRelease) : null;
  const strays = flipped
    ? input.samples.filter(
        (sample) => sample.startedAt >= flipped.at && (isFailed(sample) || sample.release !== input.goodRelease),
      )
    : [];
  return {
    faultStartAt: start,
    detectedAfterMs: fired ? fired.at - start : null,
    trafficRestoredAfterMs: restored === null ? null : restored - start,
    switchFlippedAfterMs: flipped ? flipped.at - start : null,
    failedAfterFault: input.samples.filter((sample) => sample.startedAt >= start && isFailed(sample)).length,
    afterFlip: {
      bad: strays.length,
      examples: strays.slice(0, 5).map((sample) => ({
        startedAfterFlipMs: sample.startedAt - (flipped?.at ?? 0),
        status: sample.status,
        error: sample.error,
        release: sample.release,
      })),
    },
  };
}
