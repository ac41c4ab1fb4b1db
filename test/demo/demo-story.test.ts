import { describe, expect, it } from 'vitest';
import { createStoryTeller } from '../../src/app/story.js';
import { summary } from '../../src/cli/commands/demo.js';
import { describeOutcome } from '../../src/core/policy/decide.js';
import type { RewindEvent } from '../../src/core/model.js';
import type { DemoResult } from '../../src/runtime/demo/run-demo.js';

const event = (type: string, message: string, data: Record<string, unknown>): RewindEvent => ({
  id: 1,
  at: 0,
  type,
  service: 'web',
  environment: 'production',
  rollbackId: null,
  revision: 2,
  actor: 'rewind',
  message,
  data,
});

describe('the story a person reads', () => {
  it('decision values are rounded', () => {
    const text = describeOutcome({
      trigger: 'errorRate-above-0.1',
      metric: 'errorRate',
      severity: 'high',
      state: 'fired',
      evidence: { value: 0.8333333333333334, op: '>', threshold: 0.1, since: 0, at: 20, samples: 6 },
    } as Parameters<typeof describeOutcome>[0]);
    expect(text).toContain('errorRate 0.833 > 0.1');
  });

  it('a decision and its rollback do not repeat the trigger that was already told', () => {
    const tell = createStoryTeller();
    const reason =
      'trigger errorRate-above-0.1 (high) fired: errorRate 0.833 > 0.1 for 20ms (6 samples); rule error-rate says rollback.';
    const lines = [
      tell(
        event('trigger.fired', 'trigger errorRate-above-0.1 (high) fired on web r2: 5 of 6 requests failed', {
          trigger: 'errorRate-above-0.1',
        }),
      ),
      tell(
        event('decision.made', `decision: rollback (rule error-rate) — ${reason}`, {
          trigger: 'errorRate-above-0.1',
          reason,
        }),
      ),
      tell(
        event('rollback.initiated', `automatic rollback of web in production: v2 (r2) → v1 (r1); ${reason}`, {
          reason,
        }),
      ),
      tell(
        event('rollback.initiated', 'manual rollback of web in production: v2 (r2) → v1 (r1); checkout broken', {
          reason: 'checkout broken',
        }),
      ),
    ];
    expect(lines.slice(1)).toEqual([
      'decision: rollback (rule error-rate)',
      'automatic rollback of web in production: v2 (r2) → v1 (r1)',
      'manual rollback of web in production: v2 (r2) → v1 (r1); checkout broken',
    ]);
  });

  it('the demo summary lists its moments in the order they happened', () => {
    const lines = summary({
      outcome: 'rolled-back',
      expected: 'rolled-back',
      ok: true,
      fault: 'error-rate',
      detectedAfterMs: 40,
      trafficRestoredAfterMs: 50,
      switchFlippedAfterMs: 70,
      failedRequests: 6,
      failedAfterFault: 6,
      afterFlip: { count: 0, examples: [] },
      totalRequests: 1919,
      skippedRequests: 0,
      rollbackId: 'rb_1',
      rollbackStatus: 'succeeded',
      trigger: { name: 'errorRate-above-0.1', metric: 'errorRate', value: 0.8333333333333334 },
      faultStartedAt: 0,
      durationMs: 13_000,
      stateDir: null,
      notifications: { slack: 0, pagerduty: 0, webhook: 0, webhookRejected: 0, pagerdutyEvents: [] },
      reportPath: null,
    } as unknown as DemoResult).join('\n');
    const order = ['detected', 'restored', 'switch checked'].map((name) => lines.indexOf(`  ${name}`));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(lines).toContain('errorRate = 0.833');
  });
});
