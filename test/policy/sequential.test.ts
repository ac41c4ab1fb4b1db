/**
 * Sequential evidence, pure: the mixture SPRT must leave healthy releases alone
 * (2 % and 9 % errors against a 10 % threshold) and decide a clearly bad one
 * (50 % errors) within tens of requests, also after a long healthy stretch.
 */
import { describe, expect, it } from 'vitest';
import { createSequentialTest } from '../../src/core/policy/sequential.js';
import { seededRandom } from '../judge/random.js';

/** Samples until the test decides (or `length` without a decision: null). */
function episode(random: () => number, rate: number, length: number, healthyFirst = 0): number | null {
  const test = createSequentialTest({ threshold: 0.1, falseAlarm: 0.001 });
  for (let i = 0; i < healthyFirst; i += 1) if (test.push(random() < 0.02).decided) return -1;
  for (let i = 1; i <= length; i += 1) if (test.push(random() < rate).decided) return i;
  return null;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

describe('sequential evidence (mixture SPRT)', () => {
  it('never rolls back a healthy release: 200 episodes at 2 % errors, threshold 10 %', () => {
    const random = seededRandom(15);
    const decided = Array.from({ length: 200 }, () => episode(random, 0.02, 3_000)).filter((n) => n !== null);
    expect(decided).toEqual([]);
  });

  it('leaves a release just under the threshold (9 %) alone', () => {
    const random = seededRandom(9);
    const decided = Array.from({ length: 100 }, () => episode(random, 0.09, 3_000)).filter((n) => n !== null);
    expect(decided).toEqual([]);
  });

  it('decides 50 % errors in at most 60 samples (median)', () => {
    const random = seededRandom(50);
    const samples = Array.from({ length: 200 }, () => episode(random, 0.5, 1_000));
    expect(samples.every((n) => n !== null)).toBe(true);
    expect(median(samples as number[])).toBeLessThanOrEqual(60);
  });

  it('still decides quickly when the fault comes after 20,000 healthy requests', () => {
    const random = seededRandom(7);
    const samples = Array.from({ length: 50 }, () => episode(random, 0.5, 2_000, 20_000));
    expect(samples.every((n) => n !== null && n > 0)).toBe(true);
    // up to one restart period (200) to wait for a fresh test, then the evidence
    expect(median(samples as number[])).toBeLessThanOrEqual(300);
  });

  it('holds its false-alarm bound at the threshold itself', () => {
    const random = seededRandom(10);
    const alarms = Array.from({ length: 200 }, () => episode(random, 0.1, 2_000)).filter((n) => n !== null);
    // α = 0.001 per episode: 200 episodes expect ≤ 0.2 alarms
    expect(alarms.length).toBeLessThanOrEqual(2);
  });

  it('reads cumulative counts in batches like one sample at a time, with its confidence', () => {
    const test = createSequentialTest({ threshold: 0.1, falseAlarm: 0.001 });
    expect(test.observe(10, 1).decided).toBe(false);
    const state = test.observe(40, 20);
    expect(state.decided).toBe(true);
    expect(state.samples).toBe(40);
    expect(state.bad).toBe(20);
    expect(state.confidence).toBeGreaterThanOrEqual(0.999);
    expect(() => test.observe(30, 20)).toThrow(/must not go down/);
    expect(() => createSequentialTest({ threshold: 1.5 })).toThrow(/between 0 and 1/);
  });
});
