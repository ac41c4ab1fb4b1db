import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { runRollback } from '../../src/core/executor.js';
import { createProcessRunner } from '../../src/process/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';

// A crashed attempt's journal names a process group; a stand-in `sleep` in a group
// of its own plays whatever now has that number. The executor resumes the attempt
// with the real process runner: the stand-in must be stopped only when it is the
// very process the journal recorded on this host.
const runner = createProcessRunner();
const standIns: ChildProcess[] = [];
afterEach(() => {
  for (const child of standIns.splice(0)) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function standIn(): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  standIns.push(child);
  return child.pid as number;
}

async function resumeWith(group: number, owner: string | null) {
  const store = createSqliteStore({ path: ':memory:' });
  const events: string[] = [];
  const step = { name: 'start' as const, title: 'start', params: {}, timeoutMs: 10_000, onFailure: 'abort' as const };
  const rollback = await store.createRollback(
    {
      ...{ service: 'api', environment: 'production', kind: 'manual', scope: 'service' },
      ...{ fromRevision: 2, toRevision: 1, reason: 'test', requestedBy: 'test', steps: [step] },
    },
    Date.now(),
  );
  await store.setRollbackStatus(rollback.id, 'running', Date.now());
  const attempt = await store.beginStep(rollback.id, 0, Date.now());
  await store.recordAttemptProcess(rollback.id, 0, attempt, group, owner);
  const done = await runRollback(rollback.id, {
    store,
    clock: systemClock,
    handlers: { start: async () => 'started again' },
    emit: async (e) => void events.push(e.type),
    redact: (t) => t,
    stopOrphan: (g, o) => runner.stopOrphan(g, o),
    processOwner: (g) => runner.owner(g),
  });
  await store.close();
  return { done, events, interrupted: done.journal[0] };
}

describe('orphans of a crashed attempt', () => {
  it('recorded on another host: left alone and journaled as unreachable', async () => {
    const group = standIn();
    const mine = runner.owner(group) as string;
    const elsewhere = mine.replace(/^.*? \| started/, 'db2.example boot 00000000-1111 | started');
    const { done, events, interrupted } = await resumeWith(group, elsewhere);
    expect(runner.groupAlive(group)).toBe(true);
    expect(interrupted?.error).toMatch(/ran on db2\.example boot 00000000-1111: not reachable from/);
    expect(events).toContain('rollback.orphan-unreachable');
    expect(events).not.toContain('rollback.orphan-stopped');
    expect(done.status).toBe('succeeded');
  });

  it('a group number now used by another process (other start time): left alone', async () => {
    const group = standIn();
    const reused = (runner.owner(group) as string).replace(/started \d+$/, 'started 1');
    const { events } = await resumeWith(group, reused);
    expect(runner.groupAlive(group)).toBe(true);
    expect(events).not.toContain('rollback.orphan-stopped');
  });

  it('the very process recorded, on this host: stopped before the step runs again', async () => {
    const group = standIn();
    const { events, interrupted } = await resumeWith(group, runner.owner(group));
    expect(runner.groupAlive(group)).toBe(false);
    expect(events).toContain('rollback.orphan-stopped');
    expect(interrupted?.error).toContain(`process group ${group} was still running`);
  });

  it('an attempt journals its process group with who it is', async () => {
    const group = standIn();
    const store = createSqliteStore({ path: ':memory:' });
    const step = { name: 'start' as const, title: 'start', params: {}, timeoutMs: 10_000, onFailure: 'abort' as const };
    const rollback = await store.createRollback(
      {
        ...{ service: 'api', environment: 'production', kind: 'manual', scope: 'service' },
        ...{ fromRevision: 2, toRevision: 1, reason: 'test', requestedBy: 'test', steps: [step] },
      },
      Date.now(),
    );
    const done = await runRollback(rollback.id, {
      store,
      clock: systemClock,
      handlers: { start: async (_s, { onProcess }) => void onProcess(group) },
      emit: async () => undefined,
      redact: (t) => t,
      processOwner: (g) => runner.owner(g),
    });
    await store.close();
    expect(done.journal[0]?.processGroup).toBe(group);
    expect(done.journal[0]?.processOwner).toBe(runner.owner(group));
    expect(done.journal[0]?.processOwner).toMatch(/ \| started \d+$/);
  });
});
