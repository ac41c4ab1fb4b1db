import { describe, expect, it } from 'vitest';
import type { Release } from '../../src/core/model.js';
import type { LiveRelease } from '../../src/core/ports/driver.js';
import type { PlanInput } from '../../src/core/planner.js';
import { planRollback } from '../../src/core/planner.js';
import { noRampReason } from '../../src/core/restore-ramp.js';

const release = (revision: number, version: string): Release => ({
  id: `rel_${revision}`,
  service: 'web',
  environment: 'production',
  revision,
  version,
  status: revision === 2 ? 'live' : 'superseded',
  artifact: null,
  configHash: null,
  schemaVersion: null,
  createdAt: revision,
  updatedAt: revision,
  promotedAt: revision,
  deployedBy: 'test',
});

const running = (revision: number, weight: number): LiveRelease => ({
  revision,
  version: `v${revision}`,
  weight,
  ready: 2,
  desired: 2,
  healthy: true,
});

const restore = { steps: [25, 50, 75, 100], holdMs: 30_000, when: 'cold' as const };

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  from: release(2, 'v2'),
  to: release(1, 'v1'),
  // the bad release runs; the target is cold (not running)
  live: { service: 'web', environment: 'production', observed: true, releases: [running(2, 100)] },
  capabilities: { health: true, needsOwner: true, nativeUndo: false, weights: true },
  kind: 'automatic',
  emergency: false,
  timeouts: { commandMs: 1000, readyMs: 2000, stopMs: 3000 },
  watchMs: 60_000,
  restore,
  ...over,
});

const summary = (plan: ReturnType<typeof planRollback>) =>
  plan.map((s) => (s.name === 'shift-traffic' ? `shift ${JSON.stringify(s.params.weights)}` : s.name));

describe('gradual restoration in the planner (pure)', () => {
  it('a cold target ramps 25 → 50 → 75 → 100 with a hold after each share below 100', () => {
    const plan = planRollback(input());
    expect(summary(plan)).toEqual([
      'start',
      'await-healthy',
      'shift {"1":25,"2":75}',
      'hold',
      'shift {"1":50,"2":50}',
      'hold',
      'shift {"1":75,"2":25}',
      'hold',
      'shift {"1":100,"2":0}',
      'retire',
      'watch',
    ]);
    const holds = plan.filter((s) => s.name === 'hold');
    expect(holds.map((s) => s.params)).toEqual([
      { revision: 1, weight: 25, durationMs: 30_000 },
      { revision: 1, weight: 50, durationMs: 30_000 },
      { revision: 1, weight: 75, durationMs: 30_000 },
    ]);
    // a failing hold stops the ramp and escalates
    expect(holds.every((s) => s.onFailure === 'abort' && s.timeoutMs > 30_000)).toBe(true);
    expect(plan[2]?.title).toBe('shift 25% of traffic to web v1 (revision 1)');
  });

  it('a warm target gets all the traffic at once unless `when: always`', () => {
    const live = {
      service: 'web',
      environment: 'production',
      observed: true,
      releases: [running(2, 100), running(1, 0)],
    };
    expect(summary(planRollback(input({ live })))).toEqual([
      'await-healthy',
      'shift {"1":100,"2":0}',
      'retire',
      'watch',
    ]);
    const always = planRollback(input({ live, restore: { ...restore, steps: [50, 100], when: 'always' } }));
    expect(summary(always)).toEqual([
      'await-healthy',
      'shift {"1":50,"2":50}',
      'hold',
      'shift {"1":100,"2":0}',
      'retire',
      'watch',
    ]);
  });

  it('says why it restores at once: not configured, emergency, no weights, a bad release that no longer answers', () => {
    const base = {
      from: release(2, 'v2'),
      to: release(1, 'v1'),
      live: input().live,
      warm: false,
      weights: true,
      emergency: false,
      restore,
      commandMs: 1000,
    };
    expect(noRampReason(base)).toBeNull();
    expect(noRampReason({ ...base, restore: null })).toBe('rollback.restore is not configured');
    expect(noRampReason({ ...base, emergency: true })).toBe('an emergency rollback restores at once');
    expect(noRampReason({ ...base, weights: false })).toBe('the driver cannot split traffic by percent');
    const crashed = { ...input().live, releases: [{ ...running(2, 100), ready: 0, healthy: false }] };
    expect(noRampReason({ ...base, live: crashed })).toBe('the bad release no longer answers');
    expect(names(input({ emergency: true }))).not.toContain('hold');
  });
});

const names = (plan: PlanInput) => planRollback(plan).map((s) => s.name);
