import { describe, expect, it } from 'vitest';
import type { Release } from '../../src/core/model.js';
import type { PlanInput } from '../../src/core/planner.js';
import { planRollback } from '../../src/core/planner.js';

const release = (revision: number, version: string, status: Release['status']): Release => ({
  id: `rel_${revision}`,
  service: 'web',
  environment: 'production',
  revision,
  version,
  status,
  artifact: null,
  configHash: null,
  schemaVersion: null,
  createdAt: revision,
  updatedAt: revision,
  promotedAt: revision,
  deployedBy: 'test',
});

const base = (over: Partial<PlanInput> = {}): PlanInput => ({
  from: release(2, 'v2', 'live'),
  to: release(1, 'v1', 'superseded'),
  live: { service: 'web', environment: 'production', observed: true, releases: [] },
  capabilities: { health: true, needsOwner: true, nativeUndo: false },
  kind: 'manual',
  emergency: false,
  timeouts: { commandMs: 1000, readyMs: 2000, stopMs: 3000 },
  watchMs: 60_000,
  ...over,
});

const names = (input: PlanInput) => planRollback(input).map((s) => s.name);

describe('planner (pure: no I/O)', () => {
  it('follows the zero-downtime order: start → await healthy → shift → retire → watch', () => {
    expect(names(base())).toEqual(['start', 'await-healthy', 'shift-traffic', 'retire', 'watch']);
  });

  it('skips start when the target is still warm, but still checks its health', () => {
    const live = {
      service: 'web',
      environment: 'production',
      observed: true,
      releases: [{ revision: 1, version: 'v1', weight: 0, ready: 2, desired: 2, healthy: true }],
    };
    const plan = planRollback(base({ live }));
    expect(plan.map((s) => s.name)).toEqual(['await-healthy', 'shift-traffic', 'retire', 'watch']);
    expect(plan[0]?.title).toContain('still warm');
  });

  it('does not treat a half-ready target as warm', () => {
    const live = {
      service: 'web',
      environment: 'production',
      observed: true,
      releases: [{ revision: 1, version: 'v1', weight: 0, ready: 1, desired: 2, healthy: true }],
    };
    expect(names(base({ live }))[0]).toBe('start');
  });

  it('emergency rollbacks skip validation steps', () => {
    const plan = planRollback(base({ emergency: true, smoke: true }));
    expect(plan.some((s) => s.validation)).toBe(false);
    expect(plan.map((s) => s.name)).toEqual(['start', 'await-healthy', 'shift-traffic', 'retire']);
  });

  it('shifts all traffic to the target and none to the bad release', () => {
    const shift = planRollback(base()).find((s) => s.name === 'shift-traffic');
    expect(shift?.params.weights).toEqual({ 1: 100, 2: 0 });
  });

  it('wraps the switch in database steps in runbook order', () => {
    const plan = names(
      base({ database: { database: 'main', current: '3', target: '2', method: 'migrate-down', backupId: null } }),
    );
    expect(plan).toEqual([
      'read-only',
      'migrate-down',
      'validate-database',
      'start',
      'await-healthy',
      'shift-traffic',
      'retire',
      'read-write',
      'watch',
    ]);
  });

  it('restores the pre-migration backup when the policy says so', () => {
    const plan = names(
      base({ database: { database: 'main', current: '3', target: '2', method: 'restore', backupId: 'bk_1' } }),
    );
    expect(plan.slice(0, 2)).toEqual(['read-only', 'restore']);
  });

  it('adds no database steps when the schema versions match', () => {
    expect(
      names(
        base({ database: { database: 'main', current: '2', target: '2', method: 'migrate-down', backupId: null } }),
      ),
    ).not.toContain('read-only');
  });

  it('runs hooks before and after, and skips health checks a driver cannot do', () => {
    const hook = { name: 'purge-cdn', command: ['true'], timeoutMs: 1000, onFailure: 'continue' as const };
    const plan = planRollback(
      base({
        hooks: { pre: [hook], post: [hook] },
        capabilities: { health: false, needsOwner: false, nativeUndo: false },
        watchMs: 0,
      }),
    );
    expect(plan.map((s) => s.name)).toEqual(['hook', 'start', 'shift-traffic', 'retire', 'hook']);
    expect(plan[0]?.onFailure).toBe('continue');
  });

  it('uses the platform’s own undo when asked and available', () => {
    expect(
      names(
        base({
          preferNativeUndo: true,
          capabilities: { health: false, needsOwner: false, nativeUndo: true },
          watchMs: 0,
        }),
      ),
    ).toEqual(['native-undo']);
  });

  it('gives every step a timeout and a failure rule', () => {
    for (const step of planRollback(base({ smoke: true }))) {
      expect(step.timeoutMs).toBeGreaterThan(0);
      expect(['abort', 'continue']).toContain(step.onFailure);
    }
  });
});

describe('rollback targets', async () => {
  const { previousGoodRelease, currentRelease } = await import('../../src/core/targets.js');
  it('while a release is under analysis, the previous live one is the target', () => {
    const releases = [release(2, 'v2', 'analyzing'), release(1, 'v1', 'live')];
    releases[0] = { ...releases[0], promotedAt: null } as Release;
    const current = currentRelease(releases);
    expect(current?.revision).toBe(2);
    expect(previousGoodRelease(releases, current)?.revision).toBe(1);
  });
  it('skips releases that failed or were rolled back', () => {
    const releases = [
      release(4, 'v4', 'live'),
      release(3, 'v3', 'rolled-back'),
      release(2, 'v2', 'failed'),
      release(1, 'v1', 'retired'),
    ];
    expect(previousGoodRelease(releases, releases[0] ?? null)?.revision).toBe(1);
  });
});
