/**
 * The watch loop of one release: every `controller.evaluationInterval` (250 ms)
 * each trigger of the service reads its signal (sequential triggers every
 * 20 ms), the evaluators say what fired, `trigger.fired` records the evidence,
 * `decide()` picks an action by the matrix, and `act()` carries it out. Each
 * reading is also kept per second in the store for replay and the judge.
 * Evaluations are due on a fixed grid; how late each completes goes to the
 * evaluation meter (`rewind_evaluation_lag_seconds` on /metrics).
 */
import { parseDuration } from '../../core/duration.js';
import type { Release } from '../../core/model.js';
import type { TriggerOutcome } from '../../core/policy/triggers.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { currentRules, watchRules } from './watch-rules.js';
import type { WatchPhase } from './act.js';
import { JUDGE_METRICS, judgeNow } from './canary.js';
import { createSampleRecorder } from './samples.js';
import { consider, noLongerServing, pendingFor, rollingBack } from './watch-checks.js';
import { CHART_METRICS } from './chart-metrics.js';
import { describeSmoke, runSmokeTests, smokeBaseUrl, smokeOutcome } from './smoke.js';
import { createEvaluationGrid, evaluationMeter } from './evaluation-meter.js';
import { watchedSources } from './sources.js';
import { servedAtLastLook } from './serving-board.js';

export interface WatchOptions {
  release: Release;
  /** the release before it: rollback target, throughput baseline, canary's stable */
  previous: Release | null;
  phase: WatchPhase;
  durationMs: number;
  /** thresholds × this (postRollback.tighten); default 1 */
  tighten?: number;
  /** run the smoke tests once at the start */
  smoke?: boolean;
  /** judge the canary against `previous` (canary steps below 100 %) */
  judge?: { since: number };
  /** stops the watching */
  signal?: AbortSignal;
  /** interrupts a rollback this watch started (controller shutdown); not the same as `signal` */
  rollbackSignal?: AbortSignal;
  /** where a rollback this watch started is tracked once the watch has answered */
  track?: (work: Promise<unknown>) => void;
}

export type WatchVerdict = {
  outcome: 'pass' | 'rolled-back' | 'waiting';
  rollbackId: string | null;
  reason: string | null;
};

/**
 * The chart metrics this watch reads each second beside its triggers: a window
 * trigger already records its own reading of its metric; a sequential one reads
 * counts since the watch began and records nothing, so its metric is read here
 * too, or the chart of the signal that fired would stay empty.
 */
function chartedBeside(evaluators: { spec: { metric: string; evidence?: string } }[]): string[] {
  return CHART_METRICS.filter((m) => !evaluators.some((e) => e.spec.metric === m && e.spec.evidence !== 'sequential'));
}

const JUDGE_EVERY_MS = 2000;
/** how often sequential triggers look at the counts: reading them is a few array sums */
const SEQUENTIAL_TICK_MS = 20;

export async function watchRelease(ctx: AppContext, options: WatchOptions): Promise<WatchVerdict> {
  const { release, previous, phase } = options;
  // The caller's signal is often shared by every watch (the monitor stopping):
  // each sleep and read listens on this watch's own follower of it instead, so
  // adding and removing those listeners does not scan a thousand others.
  const signal = options.signal ? AbortSignal.any([options.signal]) : undefined;
  const { service, environment } = release;
  const config = serviceConfig(ctx, service);
  let rules = watchRules(ctx, service, environment, options.tighten);
  let { evaluators, policy } = rules;
  const sources = watchedSources(ctx, service, environment, phase === 'post-rollback' ? null : previous);
  const recorder = createSampleRecorder(ctx.store, service, environment);
  // the dashboard charts these for every watched release, whether or not a trigger reads them
  let charted = chartedBeside(evaluators);
  const interval = Math.max(50, parseDuration(ctx.loaded.config.controller.evaluationInterval));
  const until = ctx.clock.now() + options.durationMs;
  // Sequential evidence counts every request since the watch began; the second
  // it began in is taken whole (the switch counts in one-second buckets).
  const watchStart = Math.floor(ctx.clock.now() / 1000) * 1000;
  const sequential = evaluators.some((evaluator) => evaluator.spec.evidence === 'sequential');
  const tick = sequential ? Math.min(interval, SEQUENTIAL_TICK_MS) : interval;
  const last: (TriggerOutcome | undefined)[] = [];
  let active = new Set<string>();
  let extra: TriggerOutcome[] = [];
  let lastJudged = 0;
  let lastChecked = ctx.clock.now();
  /** why a human was paged while the release kept serving; the watch goes on */
  let escalated: string | null = null;
  const base = { service, environment, revision: release.revision };
  const meter = evaluationMeter(ctx);
  const watchEnded = meter.watchStarted();

  try {
    if (options.smoke && config.smoke.length > 0) {
      const driver = ctx.driver(service);
      const url = smokeBaseUrl(config, driver.frontDoor?.(service, environment) ?? null);
      if (url) {
        const results = await runSmokeTests(url, config.smoke, signal);
        await ctx.emit({
          ...base,
          type: 'smoke.finished',
          message: `smoke tests of ${service} r${release.revision}: ${describeSmoke(results)}`,
          data: { results },
        });
        extra = [smokeOutcome(results, ctx.clock.now())];
      } else {
        await ctx.emit({
          ...base,
          type: 'smoke.skipped',
          message: `smoke tests of ${service} skipped: set smokeBaseUrl (the ${driver.type} driver has no front door Rewind knows)`,
        });
      }
    }
    const grid = createEvaluationGrid(ctx.clock.now(), interval);
    for (;;) {
      const at = ctx.clock.now();
      if (signal?.aborted) break;
      const next = currentRules(ctx, rules, service, environment, options.tighten);
      if (next.evaluators !== rules.evaluators) {
        // a reload changed the triggers or the policy: the next reading is held to the new ones
        ({ evaluators, policy } = next);
        charted = chartedBeside(evaluators);
        last.length = 0;
      }
      rules = next;
      // Window triggers keep their evaluation interval (their `consecutive` counts
      // evaluations); sequential ones look at every tick, as requests arrive.
      const full = grid.isDue(at);
      if (phase !== 'post-rollback' && at - lastChecked >= 1000) {
        // someone acted (an approved rollback, a manual undo): this watch has nothing left to judge
        lastChecked = at;
        const gone = (await servedAtLastLook(ctx, release)) ? null : await noLongerServing(ctx, release);
        if (gone) return gone;
      }
      const outcomes = await Promise.all(
        evaluators.map(async (evaluator, index) => {
          const spec = evaluator.spec;
          if (spec.evidence === 'sequential') {
            const exceeding = spec.metric === 'errorRate' ? undefined : spec.above;
            const reading = await sources.readCumulative(spec.metric, release, watchStart, at, exceeding, signal);
            return (last[index] = evaluator.evaluate(reading, at));
          }
          const kept = last[index];
          if (!full && kept !== undefined) return kept;
          const reading = await sources.read(spec.metric, release, at, spec.windowMs ?? 1000, spec.source, signal);
          recorder.add(release.revision, spec.metric, reading, at);
          return (last[index] = evaluator.evaluate(reading, at));
        }),
      );
      if (full)
        await Promise.all(
          charted.map(async (m) =>
            recorder.add(release.revision, m, await sources.read(m, release, at, 1000, undefined, signal), at),
          ),
        );
      if (full && options.judge && previous) {
        // per-second values of both releases, for the judge and for replay
        await Promise.all(
          JUDGE_METRICS.flatMap((m) =>
            [release, previous].map(async (r) =>
              recorder.add(r.revision, m.name, await sources.read(m.name, r, at, 1000, undefined, signal), at),
            ),
          ),
        );
        if (at - lastJudged >= JUDGE_EVERY_MS) {
          lastJudged = at;
          await recorder.flush();
          const judged = await judgeNow(
            {
              store: ctx.store,
              canary: release,
              stable: previous,
              since: options.judge.since,
              config: config.canary.judge,
            },
            at,
          );
          extra = [...extra.filter((o) => o.metric !== 'canaryScore'), ...(judged ? [judged] : [])];
        }
      }
      outcomes.push(...extra);
      const verdict = await consider(ctx, {
        outcomes,
        active,
        release,
        previous,
        phase,
        policy,
        signal: options.rollbackSignal,
        track: options.track,
      });
      if (verdict.next === 'continue' && verdict.escalated) escalated = verdict.escalated;
      active = new Set(outcomes.filter((o) => o.state === 'fired' || o.state === 'inconclusive').map((o) => o.trigger));
      if (verdict.next === 'stop')
        return { outcome: verdict.outcome, rollbackId: verdict.rollbackId, reason: verdict.reason };
      if (full) {
        // the shared writer stores the finished seconds shortly; the loop does not wait for it
        void recorder.flush();
        meter.evaluated(grid.completed(ctx.clock.now()));
      }
      const now = ctx.clock.now();
      const left = until - now;
      if (left <= 0) break;
      const wait = Math.max(0, Math.min(at + tick, grid.due()) - now);
      await ctx.clock.sleep(Math.min(left, wait), signal).catch(() => undefined);
    }
    if (phase === 'analysis' && !signal?.aborted) {
      const gone = await rollingBack(ctx, release, signal);
      if (gone) return gone;
      // not promoted while a human was paged or still has to answer
      if (escalated) return { outcome: 'waiting', rollbackId: null, reason: escalated };
      const asked = await pendingFor(ctx, release);
      if (asked) return { outcome: 'waiting', rollbackId: null, reason: asked.reason };
    }
    return { outcome: 'pass', rollbackId: null, reason: null };
  } finally {
    watchEnded();
    await recorder.flush(true);
    await sources.close();
  }
}
