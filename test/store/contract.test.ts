import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePart } from '../harness/free-port.js';
import { isUserError } from '../../src/core/errors.js';
import type { StepSpec } from '../../src/core/model.js';
import type { NewRollback, Store } from '../../src/core/ports/store.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { clientDb } from '../../src/store/postgres/db.js';
import { checkFence } from '../../src/store/postgres/leases.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { PostgresHarness } from '../harness/postgres.js';
import { PG_TEST_PASSWORD, startPostgres } from '../harness/postgres.js';
import { runCli } from '../helpers/cli.js';

// ONE contract, run unchanged against every Store engine. An engine gives a fresh
// store per test, a way to open the same data again, and raw SQL for tampering.
interface Engine {
  name: string;
  fresh(): Promise<{ store: Store; reopen(): Store; raw(sql: string): Promise<unknown> }>;
}

let harness: PostgresHarness | null = null;
const temp = mkdtempSync(join(tmpdir(), 'rewind-contract-'));
let n = 0;
beforeAll(async () => {
  harness = await startPostgres();
}, 120_000);
afterAll(async () => {
  await harness?.stop();
  rmSync(temp, { recursive: true, force: true });
});

const engines: Engine[] = [
  {
    name: 'sqlite',
    async fresh() {
      const path = join(temp, `state-${++n}.db`);
      return {
        store: createSqliteStore({ path }),
        reopen: () => createSqliteStore({ path }),
        raw: async (sql) => {
          const db = new Database(path);
          try {
            return db.exec(sql);
          } finally {
            db.close();
          }
        },
      };
    },
  },
  {
    name: 'postgres',
    async fresh() {
      if (!harness) throw new Error('PostgreSQL is not available (see the loud line above)');
      const url = await harness.createDatabase(`contract_${++n}`);
      return {
        store: createPostgresStore({ url }),
        reopen: () => createPostgresStore({ url }),
        raw: async (sql) => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            return await client.query(`SET search_path TO rewind; ${sql}`);
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

const step = (name: StepSpec['name']): StepSpec => ({
  name,
  title: name,
  params: {},
  timeoutMs: 1000,
  onFailure: 'abort',
});
const plan = (service = 'api'): NewRollback => ({
  service,
  environment: 'production',
  kind: 'manual',
  scope: 'service',
  fromRevision: 2,
  toRevision: 1,
  reason: 'contract',
  requestedBy: 'test',
  steps: [step('start'), step('shift-traffic')],
});
const code = async (work: Promise<unknown>) => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return isUserError(error) ? error.code : String(error);
  }
};

describe.each(engines)('Store contract: $name', (engine) => {
  const open = async () => {
    if (engine.name === 'postgres' && !harness) return null;
    return engine.fresh();
  };

  it('releases: revisions count up, and a second live release is refused by the store', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    const r1 = await store.createRelease(
      { service: 'api', environment: 'production', version: 'v1', deployedBy: 'a' },
      1,
    );
    const r2 = await store.createRelease(
      { service: 'api', environment: 'production', version: 'v2', deployedBy: 'a' },
      2,
    );
    const other = await store.createRelease(
      { service: 'api', environment: 'staging', version: 'v1', deployedBy: 'a' },
      3,
    );
    expect([r1.revision, r2.revision, other.revision]).toEqual([1, 2, 1]);
    await store.setReleaseStatus(r1.id, 'live', 4);
    await store.setReleaseStatus(other.id, 'live', 4);
    expect(await code(store.setReleaseStatus(r2.id, 'live', 5))).toBe('CONFLICT');
    expect((await store.getRelease('api', 'production', 2))?.status).toBe('deploying');
    await store.setReleaseStatus(r1.id, 'superseded', 6);
    await store.setReleaseStatus(r2.id, 'live', 6);
    expect((await store.releasesWithStatus(['live'])).map((r) => `${r.environment}:${r.revision}`).sort()).toEqual([
      'production:2',
      'staging:1',
    ]);
    await store.updateRelease(r2.id, { promotedAt: 7, schemaVersion: '003' }, 7);
    expect(await store.listReleases('api', 'production')).toMatchObject([
      { revision: 2, promotedAt: 7, schemaVersion: '003' },
      { revision: 1 },
    ]);
    await store.close();
  });

  it('rollbacks: one active per service and environment, even when requests race; the journal records every attempt', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    const raced = await Promise.all([1, 2, 3, 4, 5].map(() => code(store.createRollback(plan(), 10))));
    expect(raced.filter((c) => c === 'ok')).toHaveLength(1);
    expect(raced.filter((c) => c === 'CONFLICT')).toHaveLength(4);
    const [active] = await store.listRollbacks({ status: ['planned', 'running'] });
    const id = active?.id as string;
    await store.setRollbackStatus(id, 'running', 11);
    const a1 = await store.beginStep(id, 0, 12);
    await store.recordAttemptProcess(id, 0, a1, 4242);
    await store.interruptAttempt(id, 0, a1, 13, 'crashed');
    const a2 = await store.beginStep(id, 0, 14);
    await store.finishStep(id, 0, a2, { status: 'failed', output: 'out', error: 'boom' }, 15);
    const done = await store.setRollbackStatus(id, 'escalated', 16, 'step failed');
    expect(done).toMatchObject({ status: 'escalated', startedAt: 11, finishedAt: 16, error: 'step failed' });
    const detail = await store.getRollback(id);
    expect(detail?.steps.map((s) => [s.status, s.attempts])).toEqual([
      ['failed', 2],
      ['pending', 0],
    ]);
    expect(detail?.journal.map((j) => [j.attempt, j.status, j.error, j.processGroup ?? null])).toEqual([
      [1, 'interrupted', 'crashed', 4242],
      [2, 'failed', 'boom', null],
    ]);
    expect(await code(store.createRollback(plan(), 17))).toBe('ok');
    expect(await store.listRollbacks({ service: 'api', limit: 10 })).toHaveLength(2);
    await store.close();
  });

  it('events are append-only in the database itself; queries filter by rollback, type and id', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    const first = await store.appendEvent({ type: 'a', service: 'api', message: 'one', data: { x: 1 } }, 1);
    await store.appendEvent({ type: 'b', service: 'api', rollbackId: 'rb1', message: 'two' }, 2);
    await store.appendEvent({ type: 'a', service: 'web', message: 'three' }, 3);
    expect((await store.listEvents({ service: 'api' })).map((e) => e.message)).toEqual(['one', 'two']);
    expect((await store.listEvents({ types: ['a'], afterId: first.id })).map((e) => e.message)).toEqual(['three']);
    expect((await store.listEvents({ rollbackId: 'rb1' })).map((e) => e.type)).toEqual(['b']);
    expect(await store.getEvent(first.id)).toMatchObject({ data: { x: 1 }, actor: 'rewind' });
    await store.close();
    await expect(t.raw("UPDATE events SET message = 'forged'")).rejects.toThrow(/append-only/);
    await expect(t.raw('DELETE FROM events')).rejects.toThrow(/append-only/);
    const again = t.reopen();
    expect((await again.listEvents()).map((e) => e.message)).toEqual(['one', 'two', 'three']);
    await again.close();
  });

  it('approvals are decided once; backups, samples and the outbox keep what they are given', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    const approval = await store.createApproval(
      {
        service: 'api',
        environment: 'production',
        action: 'rollback',
        rollbackId: null,
        reason: 'r',
        requestedBy: 'alice',
        deadline: 100,
        onTimeout: 'escalate',
        payload: { a: 1 },
      },
      1,
    );
    const decisions = await Promise.all(
      ['bob', 'carol'].map((by) => store.decideApproval(approval.id, { status: 'approved', by, reason: null }, 2)),
    );
    expect(decisions.filter(Boolean)).toHaveLength(1);
    expect((await store.listApprovals({ status: ['pending'] })).length).toBe(0);

    const backup = await store.addBackup({
      database: 'main',
      kind: 'full',
      tables: ['t'],
      path: '/b/1',
      sizeBytes: 5_000_000_000,
      sha256: 'abc',
      service: 'api',
      environment: 'production',
      revision: 1,
      createdAt: 3,
      manifest: { m: true },
    });
    expect(await store.getBackup(backup.id)).toMatchObject({ sizeBytes: 5_000_000_000, tables: ['t'] });
    await store.deleteBackup(backup.id);
    expect(await store.listBackups({ database: 'main' })).toEqual([]);

    const sample = { service: 'api', environment: 'production', revision: 1, metric: 'errorRate', samples: 3 };
    await store.recordSamples([
      { ...sample, at: 1000, value: 0.5 },
      { ...sample, at: 2000, value: 0.25 },
    ]);
    await store.recordSamples([{ ...sample, at: 2000, value: 0.75 }]);
    expect(
      (await store.readSamples({ service: 'api', environment: 'production', from: 0, to: 5000 })).map((s) => s.value),
    ).toEqual([0.5, 0.75]);
    expect(await store.pruneSamples(1500)).toBe(1);

    const event = await store.appendEvent({ type: 'x' }, 1);
    expect(
      await store.enqueue(
        [
          { eventId: event.id, channel: 'slack' },
          { eventId: event.id, channel: 'slack' },
          { eventId: event.id, channel: 'pd' },
        ],
        5,
      ),
    ).toBe(2);
    const due = await store.dueOutbox(5, 10);
    expect(due.map((d) => d.channel).sort()).toEqual(['pd', 'slack']);
    await store.markOutbox(due[0]?.id as number, {
      status: 'sent',
      attempts: 1,
      nextAttemptAt: 5,
      lastError: null,
      sentAt: 6,
    });
    expect(await store.outboxBacklog()).toBe(1);
    await store.close();
  });

  it('config files of a release and the deliveries of events are kept as given', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    const r = await store.createRelease(
      { service: 'api', environment: 'production', version: 'v1', deployedBy: 'a', revision: 7 },
      1,
    );
    expect(r.revision).toBe(7);
    await store.saveConfigFiles(
      r.id,
      [
        { path: 'b.yaml', content: 'b: 1' },
        { path: 'a.env', content: null },
      ],
      2,
    );
    await store.saveConfigFiles(
      r.id,
      [
        { path: 'z.yaml', content: 'z' },
        { path: 'a.env', content: 'A=1' },
      ],
      3,
    );
    expect(await store.configFiles(r.id)).toEqual([
      { path: 'z.yaml', content: 'z' },
      { path: 'a.env', content: 'A=1' },
    ]);
    const [e1, e2] = [await store.appendEvent({ type: 'x' }, 1), await store.appendEvent({ type: 'y' }, 1)];
    await store.enqueue(
      [
        { eventId: e1.id, channel: 'slack' },
        { eventId: e2.id, channel: 'pd' },
      ],
      4,
    );
    expect((await store.outboxFor([e2.id])).map((o) => o.channel)).toEqual(['pd']);
    expect(await store.outboxFor([])).toEqual([]);
    await store.close();
  });

  it('leases: the token grows on every change of hands, and a fenced write under an old token is refused', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    const a = await store.acquireLease('controller', 'a', 1000, 0, { address: 'http://a' });
    expect(a).toMatchObject({ holder: 'a', token: 1, address: 'http://a', expiresAt: 1000 });
    expect(await store.acquireLease('controller', 'b', 1000, 500)).toBeNull();
    expect(await store.acquireLease('controller', 'a', 1000, 600)).toMatchObject({
      token: 1,
      renewedAt: 600,
      acquiredAt: 0,
    });
    const asA = store.fenced({ name: 'controller', token: 1 });
    const rollback = await asA.createRollback(plan(), 700);
    const b = await store.acquireLease('controller', 'b', 1000, 1700);
    expect(b).toMatchObject({ holder: 'b', token: 2 });
    // the deposed holder writes nothing
    expect(await code(asA.setRollbackStatus(rollback.id, 'running', 1800))).toBe('FENCED');
    expect(await code(asA.beginStep(rollback.id, 0, 1800))).toBe('FENCED');
    expect(await code(asA.appendEvent({ type: 'late' }, 1800))).toBe('FENCED');
    expect((await store.getRollback(rollback.id))?.status).toBe('planned');
    expect(await store.listEvents({ types: ['late'] })).toEqual([]);
    const asB = store.fenced({ name: 'controller', token: 2 });
    expect(await code(asB.setRollbackStatus(rollback.id, 'running', 1900))).toBe('ok');
    // a released lease keeps its token: the next holder's is higher still
    await store.releaseLease('controller', 'b');
    expect(await store.acquireLease('controller', 'c', 1000, 2000)).toMatchObject({ holder: 'c', token: 3 });
    expect(await store.getLease('controller')).toMatchObject({ holder: 'c', token: 3 });
    await store.close();
    // migrations ran once; opening the same data again finds everything
    const again = t.reopen();
    expect((await again.getLease('controller'))?.token).toBe(3);
    await again.close();
  });

  it('leases: a holder renews its lapsed lease under the same token only while that token is still on it', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    expect(await store.acquireLease('controller', 'a', 1000, 0)).toMatchObject({ token: 1 });
    // lapsed at 1000, nobody took it: renewed under token 1, in place
    expect(await store.acquireLease('controller', 'a', 1000, 2500, { renewLapsed: 1 })).toMatchObject({
      holder: 'a',
      token: 1,
      acquiredAt: 0,
      expiresAt: 3500,
    });
    // lapsed, and the token it names is not the one on the lease: taken afresh, like anyone's
    expect(await store.acquireLease('controller', 'a', 1000, 5000, { renewLapsed: 7 })).toMatchObject({ token: 2 });
    // lapsed and taken meanwhile by b: a gets nothing, b keeps the lease and its token
    expect(await store.acquireLease('controller', 'b', 1000, 7000)).toMatchObject({ holder: 'b', token: 3 });
    expect(await store.acquireLease('controller', 'a', 1000, 7100, { renewLapsed: 2 })).toBeNull();
    expect(await store.getLease('controller')).toMatchObject({ holder: 'b', token: 3 });
    // a released lease is not renewed in place: the holder's next term has a new token
    await store.releaseLease('controller', 'b');
    expect(await store.acquireLease('controller', 'b', 1000, 7200, { renewLapsed: 3 })).toMatchObject({ token: 4 });
    await store.close();
  });

  it('sessions: kept by hash, lastSeen only moves forward, idle ones pruned, and they outlive a reopen', async (ctx) => {
    const t = await open();
    requirePart(ctx, t, `the ${engine.name} store`);
    const { store } = t;
    const session = { idHash: 'id-a', tokenHash: 'tok-a', csrf: 'c-a', createdAt: 100, lastSeen: 100 };
    await store.createSession(session);
    await store.createSession({ ...session, idHash: 'id-b', lastSeen: 50 });
    expect(await store.findSession('id-a')).toEqual(session);
    expect(await store.findSession('nope')).toBeNull();
    await store.touchSession('id-a', 400);
    await store.touchSession('id-a', 300);
    expect((await store.findSession('id-a'))?.lastSeen).toBe(400);
    expect(await store.pruneSessions(60)).toBe(1);
    expect(await store.findSession('id-b')).toBeNull();
    await store.close();
    const again = t.reopen();
    expect(await again.findSession('id-a')).toMatchObject({ tokenHash: 'tok-a', csrf: 'c-a', lastSeen: 400 });
    await again.deleteSession('id-a');
    expect(await again.findSession('id-a')).toBeNull();
    await again.close();
  });
});

describe('PostgreSQL leases under write load', () => {
  it('a write inside its fence check delays a change of hands until it commits, never the holder’s renewal', async (ctx) => {
    requirePart(ctx, harness, 'PostgreSQL (initdb)');
    const url = await harness!.createDatabase(`contract_${++n}`);
    const store = createPostgresStore({ url });
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const client = await pool.connect();
    try {
      await store.acquireLease('controller', 'a', 1000, 0);
      // a fenced write of holder a in flight: its fence check passed, it has not committed
      await client.query('SET search_path TO rewind');
      await client.query('BEGIN');
      await checkFence(clientDb(client), { name: 'controller', token: 1 });
      const started = Date.now();
      expect(await store.acquireLease('controller', 'a', 1000, 500)).toMatchObject({ holder: 'a', token: 1 });
      expect(Date.now() - started).toBeLessThan(1000);
      // b may take the lapsed lease, but only once a's write is done
      let settled = false;
      const takeover = store.acquireLease('controller', 'b', 1000, 5000).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(settled).toBe(false);
      await client.query('COMMIT');
      expect(await takeover).toMatchObject({ holder: 'b', token: 2 });
    } finally {
      client.release();
      await pool.end();
      await store.close();
    }
  });
});

describe('rewind store migrate --from sqlite --to postgres://…', () => {
  it('copies the whole history into an empty PostgreSQL store, ids kept, and refuses a store that has data', async (ctx) => {
    requirePart(ctx, harness, 'PostgreSQL (initdb)');
    const project = mkdtempSync(join(temp, 'project-'));
    writeFileSync(
      join(project, 'rewind.yaml'),
      'version: 1\nenvironments:\n  production: {}\nservices:\n  api:\n    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }\n',
    );
    const sqlite = createSqliteStore({ path: join(project, '.rewind', 'state.db') });
    const r1 = await sqlite.createRelease(
      { service: 'api', environment: 'production', version: 'v1', deployedBy: 'a' },
      1,
    );
    await sqlite.setReleaseStatus(r1.id, 'live', 2);
    const rollback = await sqlite.createRollback(plan(), 3);
    const attempt = await sqlite.beginStep(rollback.id, 0, 4);
    await sqlite.recordAttemptProcess(rollback.id, 0, attempt, 77);
    await sqlite.finishStep(rollback.id, 0, attempt, { status: 'done', output: 'started', error: null }, 5);
    for (const message of ['one', 'two', 'three']) await sqlite.appendEvent({ type: 'x', message }, 6);
    await sqlite.recordSamples([
      { service: 'api', environment: 'production', revision: 1, metric: 'errorRate', at: 1000, value: 0.1, samples: 2 },
    ]);
    const before = { rollback: await sqlite.getRollback(rollback.id), events: await sqlite.listEvents() };
    await sqlite.close();

    const url = await harness.createDatabase('migrated');
    const first = await runCli(['store', 'migrate', '--from', 'sqlite', '--to', url, '--json'], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).tables).toMatchObject({
      releases: 1,
      rollbacks: 1,
      steps: 2,
      journal: 1,
      events: 3,
    });
    expect(first.stdout + first.stderr).not.toContain(PG_TEST_PASSWORD);

    const target = createPostgresStore({ url });
    expect(await target.getRollback(rollback.id)).toEqual(before.rollback);
    expect(await target.listEvents()).toEqual(before.events);
    expect((await target.appendEvent({ type: 'x', message: 'four' }, 7)).id).toBe(4);
    expect(await target.readSamples({ service: 'api', environment: 'production', from: 0, to: 2000 })).toHaveLength(1);
    await target.close();

    const again = await runCli(['store', 'migrate', '--from', 'sqlite', '--to', url], { cwd: project });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds releases or events');
  }, 60_000);
});
