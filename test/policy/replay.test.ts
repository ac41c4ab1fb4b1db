import { describe, expect, it } from 'vitest';
import type { SignalSample } from '../../src/core/ports/store.js';
import { DEFAULT_MATRIX } from '../../src/core/policy/matrix.js';
import { readingAt, replayPolicy } from '../../src/core/policy/replay.js';
import type { TriggerSpec } from '../../src/core/policy/trigger-spec.js';

const T0 = 1_700_000_000_000;

/**
 * A recorded bad deploy: error rate 1% for 30 s, 8% from 30 s, 20% from 60 s;
 * p95 latency 40 ms, 300 ms from 45 s; 100 requests a second; 120 s long.
 */
function episode(): SignalSample[] {
  const out: SignalSample[] = [];
  for (let s = 0; s < 120; s += 1) {
    const at = T0 + s * 1000;
    const errorRate = s < 30 ? 0.01 : s < 60 ? 0.08 : 0.2;
    const base = { service: 'api', environment: 'production', revision: 7, at, samples: 100 };
    out.push({ ...base, metric: 'errorRate', value: errorRate });
    out.push({ ...base, metric: 'latencyP95Ms', value: s < 45 ? 40 : 300 });
    out.push({ ...base, revision: 6, metric: 'errorRate', value: 0.9 }); // another release: must be ignored
  }
  return out;
}

const strict: TriggerSpec[] = [
  { name: 'error-rate', metric: 'errorRate', above: 0.05, forMs: 10_000, minSamples: 50, severity: 'high' },
  { name: 'latency', metric: 'latencyP95Ms', above: 200, forMs: 5_000, minSamples: 50, severity: 'medium' },
];
const loose: TriggerSpec[] = [
  { name: 'error-rate', metric: 'errorRate', above: 0.15, forMs: 30_000, minSamples: 50, severity: 'high' },
  { name: 'latency', metric: 'latencyP95Ms', above: 500, forMs: 5_000, minSamples: 50, severity: 'medium' },
];

describe('policy replay', () => {
  it('gives a stricter and a looser policy different, correct fire times', () => {
    const a = replayPolicy({
      samples: episode(),
      triggers: strict,
      matrix: DEFAULT_MATRIX,
      environment: 'production',
      revision: 7,
    });
    // 8% from 30 s, sustained 10 s → 40 s; 300 ms from 45 s, sustained 5 s → 50 s
    expect(a.rows.map((r) => [r.trigger, r.offsetMs, r.value])).toEqual([
      ['error-rate', 40_000, 0.08],
      ['latency', 50_000, 300],
    ]);
    expect(a.rows[0]?.decision).toMatchObject({ action: 'rollback', rule: 'error-rate' });
    // at 50 s both fire; the decision there is still the rollback
    expect(a.rows[1]?.decision?.action).toBe('rollback');
    expect(a.first).toMatchObject({ at: T0 + 40_000, decision: { action: 'rollback' } });

    const b = replayPolicy({
      samples: episode(),
      triggers: loose,
      matrix: DEFAULT_MATRIX,
      environment: 'production',
      revision: 7,
    });
    // 20% from 60 s, sustained 30 s → 90 s; latency never above 500 ms
    expect(b.rows.map((r) => [r.trigger, r.offsetMs])).toEqual([
      ['error-rate', 90_000],
      ['latency', null],
    ]);
    expect(b.first?.at).toBe(T0 + 90_000);
  });

  it('aggregates a window weighted by samples, and respects minSamples', () => {
    const samples = episode().filter((s) => s.revision === 7 && s.metric === 'errorRate');
    // window (29 s, 31 s] holds 30 s (8%) and 31 s (8%) — (28 s, 30 s] holds 1% and 8%
    expect(readingAt(samples, T0 + 30_000, 2000)).toEqual({
      status: 'ok',
      value: (0.01 * 100 + 0.08 * 100) / 200,
      samples: 200,
    });
    expect(readingAt(samples, T0 - 5000, 1000)).toEqual({ status: 'no-data', samples: 0 });
    const thin = samples.map((s) => ({ ...s, samples: 10 }));
    const r = replayPolicy({
      samples: thin,
      triggers: strict.slice(0, 1),
      matrix: DEFAULT_MATRIX,
      environment: 'production',
    });
    expect(r.rows[0]?.firedAt).toBeNull();
    const windowed = replayPolicy({
      samples: thin,
      triggers: strict.slice(0, 1),
      matrix: DEFAULT_MATRIX,
      environment: 'production',
      windowMs: 5000,
    });
    // 5 one-second samples of 10 requests reach minSamples 50. The window (27 s, 32 s]
    // holds two 1% and three 8% seconds: 0.26/5 = 5.2% > 5% → bad from 32 s, fired 10 s later
    expect(windowed.rows[0]?.offsetMs).toBe(42_000);
  });

  it('turns a rollback into ask when the environment is not automatic', () => {
    const r = replayPolicy({
      samples: episode(),
      triggers: strict,
      matrix: DEFAULT_MATRIX,
      environment: 'production',
      revision: 7,
      automatic: false,
    });
    expect(r.first?.decision).toMatchObject({ action: 'ask', adjustedBy: 'automatic-off' });
  });

  it('refuses an empty episode with a clear error', () => {
    expect(() =>
      replayPolicy({ samples: [], triggers: strict, matrix: DEFAULT_MATRIX, environment: 'production' }),
    ).toThrow(/no samples/);
  });

  it('a shadow trigger shows when it would have fired and never decides; the acting one decides alone', () => {
    const triggers: TriggerSpec[] = [
      { ...strict[0]!, mode: 'shadow' },
      { name: 'latency', metric: 'latencyP95Ms', above: 200, forMs: 5_000, minSamples: 50, severity: 'medium' },
    ];
    const result = replayPolicy({
      samples: episode(),
      triggers,
      matrix: DEFAULT_MATRIX,
      environment: 'production',
      revision: 7,
    });
    expect(result.rows.map((r) => [r.trigger, r.offsetMs, r.shadow, r.decision?.action ?? null])).toEqual([
      ['error-rate', 40_000, true, null],
      ['latency', 50_000, false, 'ask'],
    ]);
    // the first decision comes from the acting (medium) trigger alone at 50 s, not from the shadow one at 40 s
    expect(result.first).toMatchObject({ at: T0 + 50_000, decision: { action: 'ask' } });
    // all shadow: fire times are recorded, nothing is decided
    const onlyShadow = replayPolicy({
      samples: episode(),
      triggers: triggers.map((t) => ({ ...t, mode: 'shadow' as const })),
      matrix: DEFAULT_MATRIX,
      environment: 'production',
      revision: 7,
    });
    expect(onlyShadow.rows.map((r) => r.offsetMs)).toEqual([40_000, 50_000]);
    expect(onlyShadow.first).toBeNull();
  });
});
