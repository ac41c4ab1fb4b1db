/**
 * How well the watch loops keep time: every full evaluation of a watched release
 * reports how late it completed relative to when it was due, and each watch says
 * when it starts and ends. The controller's `/metrics` turns these into the lag
 * histogram, the evaluation counter and the watched-releases gauge; nothing here
 * touches the store, so measuring costs a function call per evaluation.
 */
import type { AppContext } from '../context.js';

/** One full evaluation of a watched release, as the watch loop saw it. */
export interface EvaluationTiming {
  /** completion time minus due time (never below 0), in ms */
  lagMs: number;
  /** evaluations whose slot had already passed when this one completed: the loop skipped them */
  skipped: number;
}

export type EvaluationListener = (timing: EvaluationTiming) => void;

export interface EvaluationMeter {
  /** a watch begins; call the returned function when it ends */
  watchStarted(): () => void;
  /** a full evaluation completed */
  evaluated(timing: EvaluationTiming): void;
  /** watches running now */
  watching(): number;
  /** hears every evaluation from now on; returns the unsubscribe */
  onEvaluation(listener: EvaluationListener): () => void;
}

export function createEvaluationMeter(): EvaluationMeter {
  const listeners = new Set<EvaluationListener>();
  let running = 0;
  return {
    watchStarted() {
      running += 1;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        running -= 1;
      };
    },
    evaluated(timing) {
      for (const listener of listeners) {
        try {
          listener(timing);
        } catch {
          // a listener never slows or breaks the watch loop
        }
      }
    },
    watching: () => running,
    onEvaluation(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const meters = new WeakMap<object, EvaluationMeter>();

/** The one meter of a context: the watch loops report to it, `/metrics` reads it. */
export function evaluationMeter(ctx: AppContext): EvaluationMeter {
  let meter = meters.get(ctx.root);
  if (!meter) meters.set(ctx.root, (meter = createEvaluationMeter()));
  return meter;
}

/**
 * The evaluation grid of one watch: evaluation n is due at start + n × interval,
 * so lateness does not drift away unnoticed. An evaluation that completes more
 * than a whole interval late skips the slots already gone instead of running
 * back to back to catch up (a `consecutive` count means evaluations an interval
 * apart).
 */
export function createEvaluationGrid(start: number, intervalMs: number) {
  let due = start;
  return {
    /** when the next full evaluation is due */
    due: () => due,
    /** whether a full evaluation is due at `at`; timers may wake a millisecond early */
    isDue: (at: number) => at >= due - 1,
    /** an evaluation due at `due()` completed at `done`: its timing, and the grid moves on */
    completed(done: number): EvaluationTiming {
      const lagMs = Math.max(0, done - due);
      let next = due + intervalMs;
      let skipped = 0;
      while (next + intervalMs <= done) {
        next += intervalMs;
        skipped += 1;
      }
      due = next;
      return { lagMs, skipped };
    },
  };
}
