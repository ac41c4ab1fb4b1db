/**
 * The watch loop of one release (issue 3 §4–§6, issue 4): every
 * `controller.evaluationInterval` (250 ms) each trigger of the service reads its
 * signal, the evaluators say what fired, `trigger.fired` records the evidence,
 * `decide()` picks an action by the matrix, and `act()` carries it out. Each
 * reading is also kept per second in the store for replay and the judge.
 */
import { parseDuration } from '../../core/duration.js';
import type { Release } from '../../core/model.js';
import { decide } from '../../core/policy/decide.js';
import type { TriggerOutcome } from '../../core/policy/triggers.js';
import { createTriggerEvaluator } from '../../core/policy/triggers.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { effectivePolicy, triggerSpecs } from '../policy/effective.js';
import type { ActResult, WatchPhase } from './act.js';
import { act, flapHistory } from './act.js';
import { JUDGE_METRICS, judgeNow } from './canary.js';
import { createSampleRecorder } from './samples.js';
import { CHART_METRICS } from './chart-metrics.js';
import { describeSmoke, runSmokeTests, smokeBaseUrl, smokeOutcome } from './smoke.js';
import { watchedSources } from './sources.js';

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
}

export type WatchVerdict = {
  outcome: 'pass' | 'rolled-back' | 'waiting';
  rollbackId: string | null;
  reason: string | null;
};

const JUDGE_EVERY_MS = 2000;

export async function watchRelease(ctx: AppContext, options: WatchOptions): Promise<WatchVerdict> {
  const { release, previous, phase, signal } = options;
  const { service, environment } = release;
  const config = serviceConfig(ctx, service);
  const policy = effectivePolicy(ctx.loaded.config, environment);
  const evaluators = triggerSpecs(config, options.tighten ?? 1).map((spec) =>
    createTriggerEvaluator(spec, { inconclusiveLimit: policy.inconclusiveLimit }),
  );
  const sources = watchedSources(ctx, service, environment, phase === 'post-rollback' ? null : previous);
  const recorder = createSampleRecorder(ctx.store, service, environment);
  // the dashboard charts these for every watched release, whether or not a trigger reads them
  const charted = CHART_METRICS.filter((m) => !evaluators.some((e) => e.spec.metric === m));
  const interval = Math.max(50, parseDuration(ctx.loaded.config.controller.evaluationInterval));
  const until = ctx.clock.now() + options.durationMs;
  let active = new Set<string>();
  let extra: TriggerOutcome[] = [];
  let lastJudged = 0;
  const base = { service, environment, revision: release.revision };

  try {
    if (options.smoke && config.smoke.length > 0) {
      const url = smokeBaseUrl(config);
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
          message: `smoke tests of ${service} skipped: set smokeBaseUrl (the ${config.driver.type} driver has no front door Rewind knows)`,
        });
      }
    }
    for (;;) {
      const at = ctx.clock.now();
      if (signal?.aborted) break;
      const outcomes = await Promise.all(
        evaluators.map(async (evaluator) => {
          const reading = await sources.read(
            evaluator.spec.metric,
            release,
            at,
            evaluator.spec.windowMs ?? 1000,
            evaluator.spec.source,
            signal,
          );
          recorder.add(release.revision, evaluator.spec.metric, reading, at);
          return evaluator.evaluate(reading, at);
        }),
      );
      await Promise.all(
        charted.map(async (m) =>
          recorder.add(release.revision, m, await sources.read(m, release, at, 1000, undefined, signal), at),
        ),
      );
      if (options.judge && previous) {
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
      });
      active = new Set(outcomes.filter((o) => o.state === 'fired' || o.state === 'inconclusive').map((o) => o.trigger));
      if (verdict.next === 'stop')
        return { outcome: verdict.outcome, rollbackId: verdict.rollbackId, reason: verdict.reason };
      await recorder.flush();
      const left = until - ctx.clock.now();
      if (left <= 0) break;
      await ctx.clock
        .sleep(Math.min(left, Math.max(0, interval - (ctx.clock.now() - at))), signal)
        .catch(() => undefined);
    }
    return { outcome: 'pass', rollbackId: null, reason: null };
  } finally {
    await recorder.flush(true);
    await sources.close();
  }
}

interface ConsiderInput {
  outcomes: TriggerOutcome[];
  /** triggers already fired (or inconclusive) at the previous evaluation */
  active: Set<string>;
  release: Release;
  previous: Release | null;
  phase: WatchPhase;
  policy: ReturnType<typeof effectivePolicy>;
  signal: AbortSignal | undefined;
}

/** Decides when a trigger newly fired or became inconclusive; one decision per change. */
async function consider(ctx: AppContext, input: ConsiderInput): Promise<ActResult> {
  const { outcomes, active, release } = input;
  const fresh = outcomes.filter((o) => (o.state === 'fired' || o.state === 'inconclusive') && !active.has(o.trigger));
  if (fresh.length === 0) return { next: 'continue' };
  for (const o of fresh.filter((f) => f.state === 'fired')) {
    const e = o.evidence;
    await ctx.emit({
      type: 'trigger.fired',
      service: release.service,
      environment: release.environment,
      revision: release.revision,
      message: `trigger ${o.trigger} (${o.severity}) fired on ${release.service} r${release.revision}: ${o.metric} ${e.value ?? '?'} ${e.op} ${e.threshold}`,
      data: {
        trigger: o.trigger,
        metric: o.metric,
        value: e.value,
        threshold: e.threshold,
        op: e.op,
        windowMs: e.windowMs,
        samples: e.samples,
        severity: o.severity,
        revision: release.revision,
        since: e.since,
        phase: input.phase,
      },
    });
  }
  if (input.phase === 'live') {
    // one open question at a time: while a human decides, do not ask again
    const waiting = await ctx.store.listApprovals({
      service: release.service,
      environment: release.environment,
      status: ['pending'],
    });
    if (waiting.length > 0) return { next: 'continue' };
  }
  const now = ctx.clock.now();
  const history = await flapHistory(ctx, release.service, release.environment, now);
  const decision = decide({
    fired: outcomes,
    environment: release.environment,
    matrix: input.policy.matrix,
    automatic: input.policy.automatic,
    cooldown: { lastAutomaticAt: history.lastAutomaticAt, periodMs: input.policy.cooldownMs },
    retries: { count: history.count, maximum: input.policy.maximumRetries },
    now,
  });
  return act(ctx, {
    release,
    previous: input.previous,
    phase: input.phase,
    decision,
    policy: input.policy,
    ...(input.signal ? { signal: input.signal } : {}),
  });
}
