import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { ExecutorDeps, StepHandler } from '../../src/core/executor.js';
import { runRollback } from '../../src/core/executor.js';
import type { StepName, StepSpec } from '../../src/core/model.js';
import type { Store } from '../../src/core/ports/store.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';

// The executor against an in-memory store and a clock moved by hand: no files, no
// processes, no waiting on real time.
const step = (name: StepName, onFailure: StepSpec['onFailure'] = 'abort', timeoutMs = 60_000): StepSpec => ({
  name,
  title: name,
  params: {},
  timeoutMs,
  onFailure,
});

async function setup(steps: StepSpec[], handlers: Partial<Record<StepName, StepHandler>>, store?: Store) {
  const clock = createManualClock(1_000);
  const db = store ?? createSqliteStore({ path: ':memory:' });
  const events: string[] = [];
  const rollback = await db.createRollback(
    {
      service: 'api',
      environment: 'production',
      kind: 'manual',
      scope: 'service',
      fromRevision: 2,
      toRevision: 1,
      reason: 'test',
      requestedBy: 'test',
      steps,
    },
    clock.now(),
  );
  const deps: ExecutorDeps = {
    store: db,
    clock,
    handlers,
    emit: async (e) => void events.push(e.type),
    redact: (t) => t,
    abortGraceMs: 0,
  };
  return { clock, store: db, rollback, deps, events };
}

describe('executor (core, manual clock)', () => {
  it('a step timeout, measured on the injected clock, aborts the work and escalates', async () => {
    let aborted: unknown = null;
    const { clock, deps, rollback } = await setup([step('start', 'abort', 5_000), step('retire')], {
      start: (_s, { signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(new Error('stopped'));
          }),
        ),
      retire: async () => 'never',
    });
    const run = runRollback(rollback.id, deps);
    await new Promise((r) => setImmediate(r));
    clock.advance(4_999);
    await new Promise((r) => setImmediate(r));
    expect(aborted).toBeNull();
    clock.advance(1);
    const done = await run;
    expect(String(aborted)).toContain('timed out after 5000ms');
    expect(done.status).toBe('escalated');
    expect(done.steps.map((s) => s.status)).toEqual(['failed', 'pending']);
    expect(done.steps[0]?.error).toContain('timed out after 5000ms');
  });

  it('a failed abort step is final: resuming escalates and never runs the steps after it', async () => {
    const ran: string[] = [];
    const { store, deps, rollback, clock } = await setup([step('start'), step('shift-traffic')], {
      start: async () => void ran.push('start'),
      'shift-traffic': async () => void ran.push('shift'),
    });
    // the state a crash leaves between "step failed" and "rollback escalated"
    await store.setRollbackStatus(rollback.id, 'running', clock.now());
    const attempt = await store.beginStep(rollback.id, 0, clock.now());
    await store.finishStep(rollback.id, 0, attempt, { status: 'failed', output: null, error: 'boom' }, clock.now());
    const done = await runRollback(rollback.id, deps);
    expect(ran).toEqual([]);
    expect(done.status).toBe('escalated');
    expect(done.error).toContain('boom');
    expect(done.steps[1]?.status).toBe('pending');
  });

  it('a shutdown during the last step (onFailure continue) leaves it interrupted, never succeeded', async () => {
    const shutdown = new AbortController();
    const { deps, rollback } = await setup([step('start'), step('hook', 'continue')], {
      start: async () => 'ok',
      hook: (_s, { signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('killed')));
          shutdown.abort(new Error('controller shutting down'));
        }),
    });
    const done = await runRollback(rollback.id, { ...deps, signal: shutdown.signal });
    expect(done.status).toBe('running');
    expect(done.journal.find((j) => j.stepIndex === 1)?.status).toBe('interrupted');
    expect(done.steps[1]?.status).toBe('running');
  });

  it('resuming a crashed attempt stops its orphaned process group first and journals it', async () => {
    const order: string[] = [];
    const { store, deps, rollback, clock } = await setup([step('start')], {
      start: async (_s, { attempt }) => void order.push(`start attempt ${attempt}`),
    });
    await store.setRollbackStatus(rollback.id, 'running', clock.now());
    const attempt = await store.beginStep(rollback.id, 0, clock.now());
    await store.recordAttemptProcess(rollback.id, 0, attempt, 4242);
    const done = await runRollback(rollback.id, {
      ...deps,
      stopOrphan: async (group) => {
        order.push(`stop ${group}`);
        return { stopped: true, line: `its process group ${group} was still running; stopped with SIGTERM` };
      },
    });
    expect(order).toEqual(['stop 4242', 'start attempt 2']);
    expect(done.status).toBe('succeeded');
    expect(done.journal.map((j) => [j.attempt, j.status, j.processGroup ?? null])).toEqual([
      [1, 'interrupted', 4242],
      [2, 'done', null],
    ]);
    expect(done.journal[0]?.error).toContain('process group 4242 was still running');
  });

  it('a store error mid-rollback leaves it running for the next run, which finishes it', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    let failNext = true;
    const flaky: Store = {
      ...real,
      finishStep: async (...args) => {
        if (failNext) {
          failNext = false;
          throw new Error('connection terminated');
        }
        return real.finishStep(...args);
      },
    };
    const { deps, rollback } = await setup(
      [step('start'), step('retire')],
      { start: async () => 'ok', retire: async () => 'ok' },
      flaky,
    );
    await expect(runRollback(rollback.id, deps)).rejects.toThrow('connection terminated');
    expect((await real.getRollback(rollback.id))?.status).toBe('running');
    const done = await runRollback(rollback.id, deps);
    expect(done.status).toBe('succeeded');
    expect(done.journal.map((j) => `${j.stepIndex}:${j.attempt}:${j.status}`)).toEqual([
      '0:1:interrupted',
      '0:2:done',
      '1:1:done',
    ]);
  });

  it('a step that streams its output line by line and also returns it journals each line once', async () => {
    const { deps, rollback } = await setup([step('shift-traffic'), step('retire')], {
      'shift-traffic': async (_s, { log }) => {
        log('web: traffic r1=100% r3=0%');
        return 'web: traffic r1=100% r3=0%';
      },
      retire: async (_s, { log }) => {
        log('draining r3');
        return 'retired r3';
      },
    });
    const done = await runRollback(rollback.id, deps);
    expect(done.steps.map((s) => s.output)).toEqual(['web: traffic r1=100% r3=0%', 'draining r3\nretired r3']);
    expect(done.journal.map((j) => j.output)).toEqual(['web: traffic r1=100% r3=0%', 'draining r3\nretired r3']);
  });
});
