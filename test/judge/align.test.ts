import { describe, expect, it } from 'vitest';
import { alignPerSecond } from '../../src/core/judge/align.js';
import { judgeCanary } from '../../src/core/judge/score.js';
import type { SignalSample } from '../../src/core/ports/store.js';

const T0 = 1_700_000_000_000;
const sample = (revision: number, second: number, metric: string, value: number, samples = 100): SignalSample => ({
  service: 'api',
  environment: 'production',
  revision,
  metric,
  at: T0 + second * 1000 + 250,
  value,
  samples,
});

describe('aligning per-second samples of canary and stable', () => {
  it('pairs only the seconds both releases recorded, within bounds', () => {
    const samples = [
      sample(1, 0, 'errorRate', 0.01),
      sample(1, 1, 'errorRate', 0.02),
      sample(1, 2, 'errorRate', 0.03),
      sample(1, 3, 'errorRate', 0.04, 0),
      sample(2, 1, 'errorRate', 0.2),
      sample(2, 2, 'errorRate', 0.3),
      sample(2, 3, 'errorRate', 0.4),
      sample(2, 4, 'errorRate', 0.5),
      sample(2, 1, 'cpu', 0.5),
    ];
    expect(alignPerSecond(samples, { canaryRevision: 2, stableRevision: 1 })).toEqual({
      errorRate: { canary: [0.2, 0.3], stable: [0.02, 0.03] },
    });
    expect(
      alignPerSecond(samples, { canaryRevision: 2, stableRevision: 1, from: T0 + 2000, metrics: ['errorRate', 'cpu'] }),
    ).toEqual({
      errorRate: { canary: [0.3], stable: [0.03] },
      cpu: { canary: [], stable: [] },
    });
  });

  it('feeds the judge: per-second error rates of a bad canary fail it', () => {
    const samples: SignalSample[] = [];
    for (let s = 0; s < 30; s += 1) {
      samples.push(sample(1, s, 'errorRate', 0.01 + (s % 3) * 0.002));
      samples.push(sample(2, s, 'errorRate', 0.08 + (s % 4) * 0.004));
    }
    const aligned = alignPerSecond(samples, { canaryRevision: 2, stableRevision: 1 });
    const j = judgeCanary(
      { metrics: [{ name: 'errorRate', effect: { statistic: 'mean', minAbsolute: 0.01 } }] },
      aligned,
    );
    expect(j).toMatchObject({ result: 'fail', score: 0 });
  });
});
