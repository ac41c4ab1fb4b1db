import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RewindEvent } from '../../src/core/model.js';
import type { RequestSample } from '../../src/runtime/demo/load-report.js';
import { episodeFigures, faultStartAt, firstSpawnAt, trafficRestoredAt } from '../../src/runtime/demo/measure.js';

const sample = (startedAt: number, release: string | null, status: number | null = 200): RequestSample => ({
  startedAt,
  endedAt: startedAt + 5,
  status,
  error: status === null ? 'ECONNRESET' : null,
  release,
});
const event = (type: string, at: number, revision: number | null): RewindEvent => ({
  id: at,
  at,
  type,
  service: 'web',
  environment: 'production',
  rollbackId: null,
  revision,
  actor: 'rewind',
  message: '',
  data: {},
});

describe('demo measurements', () => {
  it('reads the first spawn time from a local driver instance log', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-measure-'));
    try {
      const log = path.join(dir, 'web-production-r2-0.log');
      writeFileSync(
        log,
        'noise\n[rewind 2026-01-01T00:00:01.250Z] starting on 127.0.0.1:5000: node server.js\n[rewind 2026-01-01T00:00:09.000Z] started pid 43 on 127.0.0.1:5000: node server.js\n',
      );
      expect(firstSpawnAt(log)).toBe(Date.parse('2026-01-01T00:00:01.250Z'));
      expect(firstSpawnAt(path.join(dir, 'missing.log'))).toBeNull();
      // a fault on from the start begins with the faulty release's first request…
      const samples = [
        sample(Date.parse('2026-01-01T00:00:02.000Z'), 'v1'),
        sample(Date.parse('2026-01-01T00:00:02.500Z'), 'v2'),
      ];
      expect(faultStartAt({ instances: 1, activatesAfterMs: 0, samples, faultyRelease: 'v2' }, () => log)).toBe(
        Date.parse('2026-01-01T00:00:02.500Z'),
      );
      // …a delayed one at spawn + FAULT_AFTER_MS when that is later
      expect(faultStartAt({ instances: 1, activatesAfterMs: 3000, samples, faultyRelease: 'v2' }, () => log)).toBe(
        Date.parse('2026-01-01T00:00:04.250Z'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('traffic is restored from the first request after which every answer is good', () => {
    const samples = [
      sample(100, 'v2', 500),
      sample(110, 'v2'),
      sample(120, 'v2', 500),
      sample(130, 'v1'),
      sample(140, null, null),
      sample(150, 'v1'),
      sample(160, 'v1'),
    ];
    expect(trafficRestoredAt(samples, 100, 'v1')).toBe(150);
    expect(trafficRestoredAt(samples.slice(0, 3), 100, 'v1')).toBeNull();
    expect(trafficRestoredAt([sample(100, 'v1')], 50, 'v1')).toBe(50);
  });

  it('puts detection, flip and restore on the fault clock and lists strays after the flip', () => {
    const samples = [
      sample(1000, 'v2', 500),
      sample(1500, 'v2'),
      sample(2100, 'v2', 500),
      sample(2300, 'v1'),
      sample(2400, 'v1'),
    ];
    const events = [event('trigger.fired', 2200, 2), event('rollback.traffic-restored', 2250, 1)];
    const figures = episodeFigures({ samples, events, faultStartAt: 1000, faultyRevision: 2, goodRelease: 'v1' });
    expect(figures).toMatchObject({
      detectedAfterMs: 1200,
      switchFlippedAfterMs: 1250,
      trafficRestoredAfterMs: 1300,
      failedAfterFault: 2,
      afterFlip: { bad: 0 },
    });
    const stray = episodeFigures({
      samples: [...samples, sample(2350, 'v2')],
      events,
      faultStartAt: 1000,
      faultyRevision: 2,
      goodRelease: 'v1',
    });
    expect(stray.afterFlip).toEqual({
      bad: 1,
      examples: [{ startedAfterFlipMs: 100, status: 200, error: null, release: 'v2' }],
    });
  });
});
