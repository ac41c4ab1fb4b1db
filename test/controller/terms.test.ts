import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { AppContext } from '../../src/app/context.js';
import type { Store } from '../../src/core/ports/store.js';
import type { Controller, ControllerOptions } from '../../src/runtime/controller.js';
import { startController } from '../../src/runtime/controller.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Project } from '../helpers/cli.js';
import { tempProject, waitFor } from '../helpers/cli.js';

// One controller in this process on SQLite, with a store the test can make fail:
// each test breaks one thing a leader's term depends on and checks what the store
// holds afterwards.
const config = (lease: string) => `version: 1
controller:
  stateDir: state
  leaseDuration: ${lease}
environments:
  production: {}
services:
  api:
    driver:
      type: command
      start: ["true"]
      shiftTraffic: ["true"]
      retire: ["true"]
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`;

/** The real SQLite store, with faults the test switches on by method name (its fenced views too). */
function faultyStore(path: string) {
  const store = createSqliteStore({ path });
  const faults = new Map<string, (args: unknown[]) => Promise<unknown> | null>();
  const wrap = (inner: Store): Store =>
    new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result =
            faults.get(String(prop))?.(args) ?? (value as (...a: unknown[]) => unknown).apply(target, args);
          return prop === 'fenced' ? wrap(result as Store) : result;
        };
      },
    });
  return { store: wrap(store), raw: store, faults };
}

let project: Project | null = null;
const open: { controller?: Controller; close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close().catch(() => undefined);
  project?.cleanup();
  project = null;
});

type Faults = ReturnType<typeof faultyStore>['faults'];

async function start(
  lease: string,
  extra: Partial<ControllerOptions> = {},
  before: (faults: Faults) => void = () => {},
) {
  project = tempProject('rewind-terms-');
  project.write('rewind.yaml', config(lease));
  const loaded = loadConfig(project.config);
  const parts = faultyStore(join(project.dir, 'state', 'state.db'));
  before(parts.faults);
  const lines: string[] = [];
  const controller = await startController(loaded, {
    listen: '127.0.0.1:0',
    store: parts.store,
    log: (line) => lines.push(`${Date.now()} ${line}`),
    ...extra,
  });
  open.push({ controller, close: async () => (await controller.close(), await parts.raw.close()) });
  return { controller, lines, ...parts };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a leader term', () => {
  it('a term start slower than the lease: the lease is still renewed, one term, one token', async () => {
    const { controller, lines, raw } = await start('900ms', {
      // adoption that waits on an unready release, say
      services: [async () => void (await sleep(2_000))],
    });
    await waitFor('the term to start', async () => controller.leadership.leader(), 10_000, 20);
    await sleep(1_500);
    expect(
      lines.filter((l) => l.includes('leader with token')),
      lines.join('\n'),
    ).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('stepping down');
    expect((await raw.getLease('controller'))?.token).toBe(1);
  }, 30_000);

  it('the store identity cannot be read once at term start: no term without its fence; it steps down and starts again', async () => {
    let failures = 1;
    const { controller, lines, raw } = await start('3s', {}, (faults) =>
      faults.set('getLease', (args) =>
        args[0] === 'store-identity' && failures-- > 0
          ? Promise.reject(new Error('connection reset while reading the lease'))
          : null,
      ),
    );
    await waitFor('a started term', async () => controller.leadership.leader(), 15_000, 20);
    expect(lines.join('\n')).toContain('connection reset while reading the lease');
    // another holder takes the lease behind its back: a write of this term is refused, not made
    await raw.acquireLease('controller', 'intruder', 60_000, Date.now(), { canSteal: () => true });
    await expect(controller.api.deploy({ service: 'api', version: 'v9', actor: { name: 'test' } })).rejects.toThrow(
      /refused by the fence/,
    );
    expect(await raw.listReleases('api', 'production')).toEqual([]);
  }, 40_000);

  it('a starved event loop on SQLite (its host lock held): no step-down, one term, one token', async () => {
    const { controller, lines, raw } = await start('900ms');
    await waitFor('the term to start', async () => controller.leadership.leader(), 10_000, 20);
    // the controller shares this process: busy loops stand in for a CPU it does not get,
    // past two thirds of the lease and past the whole lease
    for (const stallMs of [700, 1_500, 700, 2_000]) {
      const until = Date.now() + stallMs;
      while (Date.now() < until);
      await sleep(400);
    }
    await sleep(500);
    expect(lines.join('\n')).not.toContain('stepping down');
    expect(lines.filter((l) => l.includes('leader with token'))).toHaveLength(1);
    expect(controller.leadership.leader()).toBe(true);
    expect((await raw.getLease('controller'))?.token).toBe(1);
  }, 30_000);

  it('the store stops answering: the leader stops acting before its lease expires', async () => {
    const { controller, lines, raw, faults } = await start('3s');
    await waitFor('the term to start', async () => controller.leadership.leader(), 10_000, 20);
    const lease = await raw.getLease('controller');
    faults.set('acquireLease', () => new Promise(() => undefined));
    faults.set('getLease', () => new Promise(() => undefined));
    const expiresAt = (await raw.getLease('controller'))?.expiresAt ?? 0;
    expect(expiresAt).toBeGreaterThanOrEqual(lease?.expiresAt ?? Infinity);
    const stoppedAt = await waitFor(
      'the leader to stop acting',
      async () => !controller.leadership.leader() && Date.now(),
      9_000,
      10,
    );
    console.log(`hung store: stopped acting ${expiresAt - stoppedAt} ms before the lease expired`);
    expect(stoppedAt).toBeLessThan(expiresAt);
    expect(lines.join('\n')).toContain('stepping down: the lease was not renewed in time');
  }, 30_000);

  it('work that outlives its term writes under its own token only: refused once the lease moved on', async () => {
    let late: Promise<unknown> | null = null;
    const { controller, raw, lines } = await start('1500ms', {
      services: [
        async (ctx: AppContext) => {
          // a handler that ignores the end of its term and writes 3 s later
          late ??= sleep(3_000).then(() => ctx.emit({ type: 'test.late', message: 'written after the term ended' }));
          late.catch(() => undefined);
        },
      ],
    });
    await waitFor('the term to start', async () => controller.leadership.leader(), 10_000, 20);
    await raw.acquireLease('controller', 'intruder', 1_000, Date.now(), { canSteal: () => true });
    await waitFor('the term to end', async () => lines.some((l) => l.includes('stepping down')), 10_000, 20);
    await expect(late).rejects.toThrow(/refused by the fence/);
    expect((await raw.listEvents({ limit: 1000 })).filter((e) => e.type === 'test.late')).toEqual([]);
  }, 30_000);

  it('a route registered beside the API writes through the term’s fenced view: refused FENCED once the token moved on, also after the term ended', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // registered like the db, ops and token routes: a write that waits, then emits through the context it was given
    const slow = (app: FastifyInstance, ctx: AppContext) =>
      app.post('/v1/test/slow-write', async () => {
        await held;
        await ctx.emit({ type: 'test.route', message: 'written by a route' });
        return { ok: true };
      });
    // a long lease: the bumped token is noticed at the next renewal, 10 s later at most
    const { controller, raw, lines } = await start('30s', { plugins: [slow] });
    await waitFor('the term to start', async () => controller.leadership.leader(), 10_000, 20);
    const admin = readFileSync(join(project?.dir ?? '', 'state', 'admin.token'), 'utf8').trim();
    const post = (path: string, body: unknown) =>
      fetch(`${controller.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/v1/tokens', { name: 'before', role: 'viewer' })).status).toBe(201);
    const pending = post('/v1/test/slow-write', {});
    await sleep(200);
    // another holder takes the lease behind the controller's back
    await raw.acquireLease('controller', 'intruder', 120_000, Date.now(), { canSteal: () => true });
    const bumped = await post('/v1/tokens', { name: 'after', role: 'viewer' });
    expect(bumped.status).toBe(409);
    expect(((await bumped.json()) as { error: { code: string } }).error.code).toBe('FENCED');
    // the term ends; the request that started in it writes only now, and is refused, not written unfenced
    await waitFor('the term to end', async () => lines.some((l) => l.includes('stepping down')), 15_000, 20);
    expect(controller.leadership.leader()).toBe(false);
    release();
    const late = await pending;
    expect(late.status).toBe(409);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('FENCED');
    expect((await raw.listTokens()).map((t) => t.name)).not.toContain('after');
    expect((await raw.listTokens()).map((t) => t.name)).toContain('before');
    expect((await raw.listEvents({ limit: 1000 })).filter((e) => e.type === 'test.route')).toEqual([]);
  }, 40_000);

  it('recording the process of an attempt fails: no unhandled rejection; the rollback is resumed and finishes', async () => {
    const { controller, raw, faults } = await start('6s');
    await waitFor('the term to start', async () => controller.leadership.leader(), 10_000, 20);
    const actor = { name: 'test' };
    for (const version of ['v1', 'v2']) await controller.api.deploy({ service: 'api', version, actor });
    let failed = 0;
    faults.set('recordAttemptProcess', () => (failed++, Promise.reject(new Error('the store lost its connection'))));
    const undo = controller.api.undo({ service: 'api', reason: 'test', actor, wait: true });
    await waitFor('an attempt whose process could not be recorded', async () => failed > 0, 10_000, 20);
    expect((await raw.listRollbacks({ service: 'api' }))[0]?.status).toBe('running');
    faults.delete('recordAttemptProcess');
    // resumed from the journal once the store answers again
    expect((await undo).rollback?.status).toBe('succeeded');
    expect(controller.leadership.leader()).toBe(true);
  }, 30_000);
});
