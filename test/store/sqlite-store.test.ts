import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/ports/store.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rewind-store-'));
  store = createSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const plan = [{ name: 'start' as const, title: 'start v1', params: {}, timeoutMs: 1000, onFailure: 'abort' as const }];

describe('sqlite store', () => {
  it('counts revisions per service and environment, like Helm', async () => {
    const a = await store.createRelease({ service: 'web', environment: 'prod', version: 'v1', deployedBy: 't' }, 1);
    const b = await store.createRelease({ service: 'web', environment: 'prod', version: 'v2', deployedBy: 't' }, 2);
    const c = await store.createRelease({ service: 'web', environment: 'staging', version: 'v2', deployedBy: 't' }, 3);
    expect([a.revision, b.revision, c.revision]).toEqual([1, 2, 1]);
    expect((await store.listReleases('web', 'prod')).map((r) => r.version)).toEqual(['v2', 'v1']);
  });

  it('refuses a second active rollback for the same service and environment', async () => {
    const first = await store.createRollback(
      {
        service: 'web',
        environment: 'prod',
        kind: 'manual',
        scope: 'service',
        fromRevision: 2,
        toRevision: 1,
        reason: 'r',
        requestedBy: 't',
        steps: plan,
      },
      10,
    );
    await expect(
      store.createRollback(
        {
          service: 'web',
          environment: 'prod',
          kind: 'manual',
          scope: 'service',
          fromRevision: 2,
          toRevision: 1,
          reason: 'r',
          requestedBy: 't',
          steps: plan,
        },
        11,
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    // another environment is independent
    await store.createRollback(
      {
        service: 'web',
        environment: 'staging',
        kind: 'manual',
        scope: 'service',
        fromRevision: 2,
        toRevision: 1,
        reason: 'r',
        requestedBy: 't',
        steps: plan,
      },
      12,
    );
    await store.setRollbackStatus(first.id, 'succeeded', 20);
    const again = await store.createRollback(
      {
        service: 'web',
        environment: 'prod',
        kind: 'manual',
        scope: 'service',
        fromRevision: 2,
        toRevision: 1,
        reason: 'r',
        requestedBy: 't',
        steps: plan,
      },
      21,
    );
    expect(again.status).toBe('planned');
  });

  it('journals each attempt of a step, including interrupted ones', async () => {
    const rb = await store.createRollback(
      {
        service: 'web',
        environment: 'prod',
        kind: 'manual',
        scope: 'service',
        fromRevision: 2,
        toRevision: 1,
        reason: 'r',
        requestedBy: 't',
        steps: plan,
      },
      1,
    );
    const a1 = await store.beginStep(rb.id, 0, 2);
    await store.interruptAttempt(rb.id, 0, a1, 3);
    const a2 = await store.beginStep(rb.id, 0, 4);
    await store.finishStep(rb.id, 0, a2, { status: 'done', output: 'ok', error: null }, 5);
    const detail = await store.getRollback(rb.id);
    expect(detail?.steps[0]).toMatchObject({ status: 'done', attempts: 2, output: 'ok' });
    expect(detail?.journal.map((j) => [j.attempt, j.status])).toEqual([
      [1, 'interrupted'],
      [2, 'done'],
    ]);
  });

  it('keeps events append-only', async () => {
    const e = await store.appendEvent({ type: 'deploy.started', service: 'web', data: { v: 1 } }, 5);
    expect(e.id).toBeGreaterThan(0);
    expect((await store.listEvents({ service: 'web' }))[0]).toMatchObject({
      type: 'deploy.started',
      data: { v: 1 },
      at: 5,
    });
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dir, 'state.db'));
    expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    raw.close();
  });

  it('decides an approval once', async () => {
    const ap = await store.createApproval(
      {
        service: 'web',
        environment: 'prod',
        action: 'rollback',
        rollbackId: null,
        reason: 'r',
        requestedBy: 'alice',
        deadline: 100,
        onTimeout: 'escalate',
        payload: {},
      },
      1,
    );
    expect(await store.decideApproval(ap.id, { status: 'approved', by: 'bob', reason: null }, 2)).toMatchObject({
      status: 'approved',
      decidedBy: 'bob',
    });
    expect(await store.decideApproval(ap.id, { status: 'rejected', by: 'carol', reason: 'no' }, 3)).toBeNull();
  });

  it('deduplicates outbox rows per event and channel', async () => {
    const e = await store.appendEvent({ type: 'rollback.initiated' }, 1);
    expect(
      await store.enqueue(
        [
          { eventId: e.id, channel: 'slack' },
          { eventId: e.id, channel: 'slack' },
          { eventId: e.id, channel: 'pd' },
        ],
        1,
      ),
    ).toBe(2);
    expect(await store.outboxBacklog()).toBe(2);
  });

  it('hands a lease to one holder until it expires', async () => {
    expect(await store.acquireLease('controller', 'a', 1000, 0)).toMatchObject({ holder: 'a', token: 1 });
    expect(await store.acquireLease('controller', 'b', 1000, 500)).toBeNull();
    expect(await store.acquireLease('controller', 'b', 1000, 1500)).toMatchObject({ holder: 'b', token: 2 });
  });
});
