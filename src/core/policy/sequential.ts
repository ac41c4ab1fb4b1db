/**
 * Sequential evidence for rate triggers: decide "this release's bad-request rate
 * is above θ" as soon as the per-request samples make it conclusive, instead of
 * waiting out a fixed `for`. A sample is one request; it is bad when it failed
 * (errorRate, θ = the threshold) or was slower than the threshold (latencyP95Ms:
 * θ = 5 % of requests may be slower, latencyP99Ms: 1 %).
 *
 * Method: a one-sided mixture sequential probability ratio test (Wald's SPRT
 * likelihood ratio, A. Wald, "Sequential Tests of Statistical Hypotheses", Ann.
 * Math. Statist. 16, 1945; mixed over alternatives as in H. Robbins, "Statistical
 * methods related to the law of the iterated logarithm", Ann. Math. Statist. 41,
 * 1970). For H0: p ≤ θ the statistic
 *
 *     Λ_n = Σ_i w_i · (p_i/θ)^k · ((1−p_i)/(1−θ))^(n−k),   p_i > θ, Σ w_i = 1
 *
 * is a nonnegative supermartingale, so by Ville's inequality (J. Ville, 1939)
 * P(Λ_n ≥ 1/α for some n) ≤ α: the test may be looked at after every sample and
 * stopped at any time without inflating the false-alarm rate — it is
 * anytime-valid (A. Ramdas et al., "Game-theoretic statistics and safe
 * anytime-valid inference", Statist. Sci. 38, 2023).
 *
 * A release that was healthy for an hour and then breaks would need as much bad
 * evidence to undo the hour of good evidence. So a new test starts every
 * `restartEvery` samples and test j may spend α_j = α · 6/(π² j²) (Σ α_j = α):
 * the false-alarm bound holds over the whole watch, and a fault is judged by a
 * test that started shortly before it. Only the newest `keep` tests are kept
 * (dropping a test can only lower the false-alarm rate).
 */

/** Alternatives mixed over, as fractions of the way from θ to 1. */
const ALTERNATIVES = [0.1, 0.2, 0.35, 0.5, 0.7];

export interface SequentialOptions {
  /** the rate of bad samples that is still acceptable (0 < θ < 1) */
  threshold: number;
  /** the chance of firing on a release whose rate is ≤ threshold, over a whole watch; default 0.001 */
  falseAlarm?: number;
  /** a new test starts after this many samples; default 200 */
  restartEvery?: number;
  /** tests kept running at once; default 8 */
  keep?: number;
}

export interface SequentialState {
  /** conclusive: the rate is above the threshold at the requested confidence */
  decided: boolean;
  /** samples seen by the test that decided (or by the strongest test so far) */
  samples: number;
  /** bad samples among them */
  bad: number;
  /** 1 − the anytime-valid p-value of the strongest test, 0–1 */
  confidence: number;
  /** samples seen since the watch began, and how many were bad */
  total: number;
  totalBad: number;
}

export interface SequentialTest {
  /** feed cumulative counts since the watch began; they must not go down */
  observe(samples: number, bad: number): SequentialState;
  /** feed one sample */
  push(bad: boolean): SequentialState;
  state(): SequentialState;
}

/** A short name of the method, for evidence and `policy explain`. */
export const SEQUENTIAL_METHOD = 'mixture SPRT (anytime-valid, Ville)';

interface Running {
  /** log of 1/α_j: the evidence this test (the j-th started) needs */
  logBar: number;
  startSamples: number;
  startBad: number;
}

export function createSequentialTest(options: SequentialOptions): SequentialTest {
  const theta = options.threshold;
  const alpha = options.falseAlarm ?? 0.001;
  const restartEvery = options.restartEvery ?? 200;
  const keep = options.keep ?? 8;
  if (!(theta > 0 && theta < 1)) throw new RangeError(`sequential threshold must be between 0 and 1 (got ${theta})`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`falseAlarm must be between 0 and 1 (got ${alpha})`);
  if (!Number.isInteger(restartEvery) || restartEvery < 1) throw new RangeError('restartEvery must be ≥ 1');
  const logGood = ALTERNATIVES.map((f) => Math.log((1 - (theta + (1 - theta) * f)) / (1 - theta)));
  const logBad = ALTERNATIVES.map((f) => Math.log((theta + (1 - theta) * f) / theta));
  const logWeight = Math.log(1 / ALTERNATIVES.length);
  /** log of 1/α_j: the evidence the j-th test needs */
  const logBar = (j: number): number => Math.log((Math.PI * Math.PI * j * j) / (6 * alpha));

  let tests: Running[] = [{ logBar: logBar(1), startSamples: 0, startBad: 0 }];
  let started = 1;
  let total = 0;
  let totalBad = 0;
  let current: SequentialState = { decided: false, samples: 0, bad: 0, confidence: 0, total: 0, totalBad: 0 };

  const terms = new Float64Array(ALTERNATIVES.length);
  /** log Λ of a test over n samples with k bad (log-sum-exp over the mixture) */
  const logLambda = (n: number, k: number): number => {
    let max = -Infinity;
    for (let i = 0; i < terms.length; i += 1) {
      const term = logWeight + k * (logBad[i] as number) + (n - k) * (logGood[i] as number);
      terms[i] = term;
      if (term > max) max = term;
    }
    let sum = 0;
    for (let i = 0; i < terms.length; i += 1) sum += Math.exp((terms[i] as number) - max);
    return max + Math.log(sum);
  };

  const evaluate = (): SequentialState => {
    if (current.decided) return (current = { ...current, total, totalBad });
    let margin = -Infinity;
    let strongest = tests[0] as Running;
    for (const test of tests) {
      const value = logLambda(total - test.startSamples, totalBad - test.startBad) - test.logBar;
      if (value > margin) {
        margin = value;
        strongest = test;
      }
    }
    // p-value of the strongest test: α · e^(−margin); confidence = 1 − p
    const p = Math.min(1, alpha * Math.exp(-margin));
    current = {
      decided: margin >= 0,
      samples: total - strongest.startSamples,
      bad: totalBad - strongest.startBad,
      confidence: 1 - p,
      total,
      totalBad,
    };
    return current;
  };

  const restartIfDue = (): void => {
    const newest = tests[tests.length - 1] as Running;
    if (total - newest.startSamples < restartEvery) return;
    started += 1;
    tests.push({ logBar: logBar(started), startSamples: total, startBad: totalBad });
    if (tests.length > keep) tests = tests.slice(tests.length - keep);
  };

  return {
    observe(samples, bad) {
      if (!(samples >= total) || !(bad >= totalBad) || bad > samples) {
        throw new RangeError(`counts must not go down (had ${totalBad}/${total}, got ${bad}/${samples})`);
      }
      // Counts arrive in batches; a new test starts at the first batch boundary
      // past its turn, so every test counts exactly the samples after its start.
      total = samples;
      totalBad = bad;
      const state = evaluate();
      restartIfDue();
      return state;
    },
    push(isBad) {
      total += 1;
      if (isBad) totalBad += 1;
      const state = evaluate();
      restartIfDue();
      return state;
    },
    state: () => current,
  };
}
