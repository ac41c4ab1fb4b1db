import { describe, expect, it } from 'vitest';
import type { JudgeMetricSpec } from '../../src/core/judge/classify.js';
import { classifyMetric, quantile } from '../../src/core/judge/classify.js';
import type { CanaryJudgement } from '../../src/core/judge/score.js';
import { canaryTrigger, judgeCanary } from '../../src/core/judge/score.js';
import { decide } from '../../src/core/policy/decide.js';
import { DEFAULT_MATRIX } from '../../src/core/policy/matrix.js';
import { createTriggerEvaluator } from '../../src/core/policy/triggers.js';
import { lognormalLatency, seededRandom } from './random.js';

const RPS = 100;
/** latency: +25 % by median and significant; errors: per-request 0/1, +1 point and +50 % by mean */
const METRICS: JudgeMetricSpec[] = [
  { name: 'latencyMs', failOn: 'increase', weight: 1, effect: { statistic: 'median', minRelative: 0.25 } },
  { name: 'error', failOn: 'increase', weight: 1, effect: { statistic: 'mean', minRelative: 0.5, minAbsolute: 0.01 } },
];

interface Release {
  latency: () => number;
  errorRate: number;
  random: () => number;
}
const release = (seed: number, medianMs: number, p95Ms: number, errorRate = 0.01): Release => {
  const random = seededRandom(seed);
  return { latency: lognormalLatency(random, medianMs, p95Ms), errorRate, random };
};

/** One second of traffic at 100 req/s: latency and an error indicator per request. */
function second(r: Release): { latencyMs: number[]; error: number[] } {
  const latencyMs: number[] = [];
  const error: number[] = [];
  for (let i = 0; i < RPS; i += 1) {
    latencyMs.push(r.latency());
    error.push(r.random() < r.errorRate ? 1 : 0);
  }
  return { latencyMs, error };
}

/** Runs canary and stable side by side for `seconds`, judging every second; calls back each second. */
function watch(
  canary: Release,
  stable: Release,
  seconds: number,
  each: (s: number, j: CanaryJudgement, canaryP95: number) => void,
  every = 1,
): void {
  const c = { latencyMs: [] as number[], error: [] as number[] };
  const s = { latencyMs: [] as number[], error: [] as number[] };
  for (let t = 1; t <= seconds; t += 1) {
    const cs = second(canary);
    const ss = second(stable);
    c.latencyMs.push(...cs.latencyMs);
    c.error.push(...cs.error);
    s.latencyMs.push(...ss.latencyMs);
    s.error.push(...ss.error);
    if (t % every !== 0) continue;
    const j = judgeCanary(
      { metrics: METRICS },
      {
        latencyMs: { canary: c.latencyMs, stable: s.latencyMs },
        error: { canary: c.error, stable: s.error },
      },
    );
    each(t, j, quantile(cs.latencyMs, 0.95));
  }
}

describe('statistical canary judge', () => {
  it('fails a canary whose p95 doubled (40 → 80 ms) within 30 s, though a 5000 ms threshold never fires', () => {
    // two shapes of "p95 doubled": everything twice as slow, and a heavier tail with the median +30 %
    const cases = [
      { name: 'scaled', canary: release(11, 40, 80) },
      { name: 'heavier tail', canary: release(12, 26, 80) },
    ];
    for (const { name, canary } of cases) {
      const stable = release(99, 20, 40);
      const threshold = createTriggerEvaluator({
        name: 'p95',
        metric: 'latencyP95Ms',
        above: 5000,
        forMs: 0,
        minSamples: 50,
        severity: 'medium',
      });
      let failedAt: number | null = null;
      let last: CanaryJudgement | null = null;
      watch(canary, stable, 30, (t, j, p95) => {
        expect(threshold.evaluate({ status: 'ok', value: p95, samples: RPS }, t * 1000).state).toBe('ok');
        if (failedAt === null && j.result === 'fail') failedAt = t;
        last = j;
      });
      expect(failedAt, name).not.toBeNull();
      expect(failedAt as unknown as number, name).toBeLessThanOrEqual(30);
      const final = last as unknown as CanaryJudgement;
      expect(final.result).toBe('fail');
      expect(final.metrics.find((m) => m.name === 'latencyMs')).toMatchObject({ classification: 'high', failed: true });
      expect(final.metrics.find((m) => m.name === 'error')).toMatchObject({ classification: 'pass' });
      expect(final.score).toBe(50);

      const outcome = canaryTrigger(final, { windowMs: 30_000, since: 0, at: 30_000, severity: 'high' });
      expect(outcome).toMatchObject({
        trigger: 'canary-judge',
        metric: 'canaryScore',
        state: 'fired',
        evidence: { value: 50, threshold: 75, op: '<' },
      });
      const decision = decide({
        fired: [outcome],
        environment: 'production',
        matrix: DEFAULT_MATRIX,
        automatic: true,
        cooldown: { lastAutomaticAt: null, periodMs: 0 },
        retries: { count: 0, maximum: 3 },
        now: 30_000,
      });
      expect(decision.action).toBe('rollback');
    }
  });

  it('does not fail two identical releases across 50 seeded runs', () => {
    const results: string[] = [];
    for (let run = 0; run < 50; run += 1) {
      const canary = release(1000 + run, 20, 40);
      const stable = release(5000 + run, 20, 40);
      // judged as the monitor would: every 10 s of a 30 s analysis
      watch(
        canary,
        stable,
        30,
        (t, j) => {
          results.push(j.result);
        },
        10,
      );
    }
    expect(results).toHaveLength(150);
    expect(results.filter((r) => r !== 'pass')).toEqual([]);
  });

  it('fails an error-rate regression and ignores one that is significant but under the floor', () => {
    const errors = (rate: number, seed: number, n: number): number[] => {
      const random = seededRandom(seed);
      return Array.from({ length: n }, () => (random() < rate ? 1 : 0));
    };
    const spec = METRICS[1] as JudgeMetricSpec;
    expect(classifyMetric(spec, errors(0.05, 1, 3000), errors(0.01, 2, 3000))).toMatchObject({
      classification: 'high',
      failed: true,
    });
    // 1.0 % → 1.4 %: under the +1 point floor
    expect(classifyMetric(spec, errors(0.014, 3, 20000), errors(0.01, 4, 20000)).failed).toBe(false);
    // a faster canary is `low`, which does not fail a failOn: increase metric
    const faster = classifyMetric(
      METRICS[0] as JudgeMetricSpec,
      Array.from({ length: 200 }, (_, i) => 10 + (i % 7)),
      Array.from({ length: 200 }, (_, i) => 30 + (i % 7)),
    );
    expect(faster).toMatchObject({ classification: 'low', failed: false });
  });

  it('scores by weight, fails on a critical metric, and reports nodata', () => {
    const slow = {
      canary: Array.from({ length: 100 }, (_, i) => 100 + i),
      stable: Array.from({ length: 100 }, (_, i) => 10 + i / 10),
    };
    const same = {
      canary: Array.from({ length: 100 }, (_, i) => i % 10),
      stable: Array.from({ length: 100 }, (_, i) => (i + 3) % 10),
    };
    const metrics: JudgeMetricSpec[] = [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 3 },
    ];
    expect(judgeCanary({ metrics }, { a: slow, b: same })).toMatchObject({ score: 75, result: 'marginal' });
    expect(judgeCanary({ metrics, thresholds: { pass: 70, marginal: 50 } }, { a: slow, b: same }).result).toBe('pass');
    expect(
      judgeCanary(
        {
          metrics: [
            { name: 'a', critical: true },
            { name: 'b', weight: 10 },
          ],
        },
        { a: slow, b: same },
      ),
    ).toMatchObject({ score: 0, result: 'fail' });
    const empty = judgeCanary({ metrics }, { a: { canary: [1], stable: [1] } });
    expect(empty).toMatchObject({ score: null, result: 'nodata' });
    expect(canaryTrigger(empty, { windowMs: 1000, since: 0, at: 1000 }).state).toBe('ok');
    const marginal = judgeCanary({ metrics }, { a: slow, b: same });
    expect(canaryTrigger(marginal, { windowMs: 1000, since: 0, at: 1000 }).state).toBe('pending');
    expect(
      canaryTrigger(marginal, { windowMs: 1000, since: 0, at: 1000, fireOn: 'marginal', severity: 'medium' }),
    ).toMatchObject({
      state: 'fired',
      severity: 'medium',
      evidence: { threshold: 95 },
    });
  });
});
