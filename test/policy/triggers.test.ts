import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { SignalReading } from '../../src/core/ports/signal-source.js';
import type { TriggerSpec } from '../../src/core/policy/trigger-spec.js';
import { createTriggerEvaluator } from '../../src/core/policy/triggers.js';

const errorRate: TriggerSpec = {
  name: 'error-rate',
  metric: 'errorRate',
  above: 0.1,
  forMs: 5_000,
  minSamples: 20,
  severity: 'high',
};
const ok = (value: number, samples = 100): SignalReading => ({ status: 'ok', value, samples });
const broken: SignalReading = { status: 'inconclusive', error: 'prometheus unreachable' };

/** Feeds readings one second apart starting at t=1000 and returns the states. */
function run(spec: TriggerSpec, readings: SignalReading[], inconclusiveLimit?: number): string[] {
  const ev = createTriggerEvaluator(spec, inconclusiveLimit === undefined ? {} : { inconclusiveLimit });
  return readings.map((r, i) => ev.evaluate(r, 1000 + i * 1000).state);
}

describe('trigger evaluator', () => {
  it('fires only once the breach has been sustained for forMs', () => {
    // bad from t=1s; 5 s later (t=6s) it has been bad for forMs
    const states = run(errorRate, [ok(0.2), ok(0.2), ok(0.2), ok(0.2), ok(0.2), ok(0.2), ok(0.2)]);
    expect(states).toEqual(['pending', 'pending', 'pending', 'pending', 'pending', 'fired', 'fired']);
  });

  it('restarts the breach after one healthy evaluation', () => {
    const states = run(errorRate, [
      ok(0.2),
      ok(0.2),
      ok(0.2),
      ok(0.2),
      ok(0.05),
      ok(0.2),
      ok(0.2),
      ok(0.2),
      ok(0.2),
      ok(0.2),
      ok(0.2),
    ]);
    expect(states.indexOf('fired')).toBe(10);
  });

  it('fires on a single bad evaluation with forMs 0', () => {
    expect(run({ ...errorRate, forMs: 0 }, [ok(0.05), ok(0.11)])).toEqual(['ok', 'fired']);
  });

  it('does not breach on a value equal to the threshold', () => {
    expect(run({ ...errorRate, forMs: 0 }, [ok(0.1)])).toEqual(['ok']);
  });

  it('ignores readings with fewer samples than minSamples and breaks the breach', () => {
    const states = run({ ...errorRate, forMs: 0 }, [ok(0.9, 19), ok(0.9, 20)]);
    expect(states).toEqual(['ok', 'fired']);
    const sustained = run(errorRate, [ok(0.2), ok(0.2), ok(0.2), ok(0.9, 3), ok(0.2), ok(0.2), ok(0.2)]);
    expect(sustained).not.toContain('fired');
  });

  it('needs `consecutive` bad evaluations (runbook: 3+ consecutive health check failures)', () => {
    const health: TriggerSpec = {
      name: 'health-check',
      metric: 'health',
      below: 1,
      forMs: 0,
      minSamples: 1,
      severity: 'critical',
      consecutive: 3,
    };
    const down = ok(0, 1);
    const up = ok(1, 1);
    expect(run(health, [down, down, up, down, down, down])).toEqual([
      'pending',
      'pending',
      'ok',
      'pending',
      'pending',
      'fired',
    ]);
  });

  it('treats no-data as not bad', () => {
    expect(run({ ...errorRate, forMs: 0 }, [{ status: 'no-data', samples: 0 }])).toEqual(['ok']);
  });

  it('counts inconclusive readings and reports inconclusive at the limit', () => {
    expect(run(errorRate, [broken, broken, broken, broken], 3)).toEqual(['ok', 'ok', 'inconclusive', 'inconclusive']);
    // an answer resets the count
    expect(run(errorRate, [broken, broken, ok(0), broken, broken], 3)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('neither ends nor completes a breach on inconclusive readings', () => {
    const spec = { ...errorRate, forMs: 3_000 };
    const states = run(spec, [ok(0.2), broken, broken, broken, ok(0.2)], 5);
    // t=1s bad; 2-4s unknown (still pending, never fired); t=5s bad again: 4 s sustained
    expect(states).toEqual(['pending', 'pending', 'pending', 'pending', 'fired']);
    const consecutive = run({ ...errorRate, forMs: 0, consecutive: 2 }, [ok(0.2), broken, ok(0.2)], 5);
    expect(consecutive).toEqual(['pending', 'pending', 'fired']);
  });

  it('returns evidence with threshold, op, window, samples, since and at', () => {
    const ev = createTriggerEvaluator({ ...errorRate, windowMs: 30_000 });
    ev.evaluate(ok(0.3, 400), 10_000);
    const out = ev.evaluate(ok(0.25, 410), 15_000);
    expect(out).toEqual({
      trigger: 'error-rate',
      metric: 'errorRate',
      severity: 'high',
      state: 'fired',
      evidence: { value: 0.25, threshold: 0.1, op: '>', windowMs: 30_000, samples: 410, since: 10_000, at: 15_000 },
    });
    const low = createTriggerEvaluator({
      name: 'throughput',
      metric: 'requestRate',
      above: 1000,
      below: 5,
      forMs: 0,
      minSamples: 0,
      severity: 'medium',
    });
    expect(low.evaluate(ok(2), 1).evidence).toMatchObject({ op: '<', threshold: 5, value: 2 });
  });

  it('rejects bad specs with a UserError naming the trigger', () => {
    expect(() => createTriggerEvaluator({ ...errorRate, above: undefined })).toThrow(UserError);
    expect(() => createTriggerEvaluator({ ...errorRate, above: undefined })).toThrow(/trigger "error-rate".*threshold/);
    expect(() => createTriggerEvaluator({ ...errorRate, severity: 'huge' as 'high' })).toThrow(/severity/);
    expect(() => createTriggerEvaluator({ ...errorRate, consecutive: 0 })).toThrow(/consecutive/);
  });

  it('refuses time going backwards', () => {
    const ev = createTriggerEvaluator(errorRate);
    ev.evaluate(ok(0), 5000);
    expect(() => ev.evaluate(ok(0), 4000)).toThrow(/backwards/);
  });
});
