import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { AppContext } from '../../src/app/context.js';
import type { Controller } from '../../src/runtime/controller.js';
import { startController } from '../../src/runtime/controller.js';
import type { Store } from '../../src/core/ports/store.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { requirePart } from '../harness/free-port.js';
import type { PostgresHarness } from '../harness/postgres.js';
import { startPostgres } from '../harness/postgres.js';
import type { Project } from '../helpers/cli.js';
import { tempProject, waitFor } from '../helpers/cli.js';

// One controller in this process on a real PostgreSQL store. A busy loop in this
// process stands in for the controller's own event loop starved while it sets up a
// thousand releases: its renewal runs late, though the store answered every call.
const LEASE_MS = 1500;
const config = (url: string) => `version: 1
controller:
  store: { type: postgres, url: "${url}" }
  leaseDuration: ${LEASE_MS}ms
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

const ROOT = resolve(import.meta.dirname, '../..');
// Another candidate in a process of its own (its event loop runs while this one is
// busy): the built store's election, tried every 100 ms, as a follower does.
const RIVAL = `
const { createPostgresStore } = await import(${JSON.stringify(join(ROOT, 'dist/store/postgres/index.js'))});
const store = createPostgresStore({ url: process.env.RIVAL_URL });
for (;;) {
  const lease = await store.acquireLease('controller', 'rival', 60000, Date.now());
  if (lease) { process.stdout.write('took ' + lease.token + '\\n'); break; }
  await new Promise((r) => setTimeout(r, 100));
}
setInterval(() => {}, 1000);
`;

let harness: PostgresHarness | null = null;
let project: Project | null = null;
const open: (() => Promise<void>)[] = [];
beforeAll(async () => {
  harness = await startPostgres();
}, 120_000);
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close().catch(() => undefined);
  project?.cleanup();
  project = null;
});
afterAll(async () => harness?.stop());

const busy = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(pg: PostgresHarness, db: string) {
  const url = await pg.createDatabase(db);
  project = tempProject('rewind-lapsed-');
  project.write('rewind.yaml', config(url));
  const raw: Store = createPostgresStore({ url });
  open.push(() => raw.close());
  const lines: string[] = [];
  let termCtx: AppContext | null = null;
  const controller: Controller = await startController(loadConfig(project.config), {
    listen: '127.0.0.1:0',
    log: (line) => lines.push(line),
    // the term's own view, as a step handler of the term holds it
    services: [async (ctx: AppContext) => void (termCtx = ctx)],
  });
  open.push(() => controller.close());
  await waitFor('the term to start', async () => controller.leadership.leader(), 15_000, 20);
  return { controller, raw, lines, url, term: () => termCtx as unknown as AppContext };
}

describe('a PostgreSQL leader whose own event loop ran its renewal late', () => {
  it('no other candidate: the lapsed lease is renewed under the same token; one term, no step-down', async (ctx) => {
    requirePart(ctx, harness, 'PostgreSQL (initdb)');
    const { controller, raw, lines, term } = await start(harness, 'lapsed_alone');
    const token = (await raw.getLease('controller'))?.token;
    // past two thirds of the lease, then past the whole lease twice
    for (const stallMs of [1_200, 2_500, 1_200, 3_000]) {
      busy(stallMs);
      await sleep(600);
    }
    await sleep(LEASE_MS);
    expect(lines.join('\n')).not.toContain('stepping down');
    expect(lines.filter((l) => l.includes('leader with token'))).toHaveLength(1);
    expect(controller.leadership.leader()).toBe(true);
    const lease = await raw.getLease('controller');
    expect(lease).toMatchObject({ token, holder: controller.leadership.holder });
    expect(lease?.expiresAt).toBeGreaterThan(Date.now());
    // the term still writes, under its token
    await term().emit({ type: 'test.after-stall', message: 'written after the stalls' });
    expect((await raw.listEvents({ limit: 1000 })).filter((e) => e.type === 'test.after-stall')).toHaveLength(1);
  }, 60_000);

  it('another candidate took the lapsed lease meanwhile: the old leader steps down and its writes are refused by the fence', async (ctx) => {
    requirePart(ctx, harness, 'PostgreSQL (initdb)');
    requirePart(ctx, existsSync(join(ROOT, 'dist/store/postgres/index.js')), 'dist/ (npm run build)');
    const { controller, raw, lines, url, term } = await start(harness, 'lapsed_taken');
    const token = (await raw.getLease('controller'))?.token ?? 0;
    let rivalOut = '';
    const rival: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', RIVAL], {
      env: { ...process.env, RIVAL_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    rival.stdout?.on('data', (chunk: Buffer) => (rivalOut += chunk.toString()));
    open.push(async () => void rival.kill('SIGKILL'));
    // the rival connects and finds the lease held
    await sleep(1_000);
    expect(rivalOut).toBe('');
    expect(controller.leadership.leader()).toBe(true);
    // stalled for three leases: the rival's process runs meanwhile and takes the lapsed lease
    busy(3 * LEASE_MS);
    // the first thing the old term does on waking, before any timer of its own runs
    const late = term().emit({ type: 'test.late', message: 'written by the old term on waking' });
    await expect(late).rejects.toThrow(/refused by the fence/);
    await waitFor('the old leader to step down', async () => lines.some((l) => l.includes('stepping down')), 10_000);
    expect(controller.leadership.leader()).toBe(false);
    expect(rivalOut).toContain(`took ${token + 1}`);
    expect(await raw.getLease('controller')).toMatchObject({ holder: 'rival', token: token + 1 });
    await expect(term().emit({ type: 'test.later', message: 'written after the step-down' })).rejects.toThrow(
      /refused by the fence/,
    );
    const written = (await raw.listEvents({ limit: 1000 })).map((e) => e.type);
    expect(written).not.toContain('test.late');
    expect(written).not.toContain('test.later');
  }, 60_000);
});
