import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

/*
 * Protected production through a real `rewind serve` and the real CLI: every
 * manual change waits for another approver identity, compared ignoring case.
 */
let project: Project;
let serve: Serve;
let dbFile: string;
const tokens: Record<string, string> = {};
const cli = (args: string[], who: string) =>
  runCli(args, { cwd: project.dir, env: { REWIND_TOKEN: tokens[who] ?? '' } });
const admin = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const get = async (path: string): Promise<any> => (await apiFetch(`${serve.url}${path}`, {}, admin())).json();
const as = (who: string, method: string, path: string, json?: unknown) =>
  fetch(`${serve.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[who]}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
const notes = () =>
  new Database(dbFile, { readonly: true }).prepare('SELECT count(*) AS n FROM notes').get() as { n: number };
const columns = () =>
  (new Database(dbFile, { readonly: true }).prepare('PRAGMA table_info(notes)').all() as { name: string }[]).map(
    (c) => c.name,
  );

beforeAll(async () => {
  project = tempProject('rewind-protected-');
  const port = await freePort();
  dbFile = join(project.dir, 'app.sqlite');
  mkdirSync(join(project.dir, 'migrations'));
  project.write('migrations/1_notes.up.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);');
  project.write('migrations/1_notes.down.sql', 'DROP TABLE notes;');
  project.write('migrations/2_color.up.sql', 'ALTER TABLE notes ADD COLUMN color TEXT;');
  project.write('migrations/2_color.down.sql', 'ALTER TABLE notes DROP COLUMN color;');
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: { protected: true } }
services:
  api:
${platformDriver('platform.json', false)}    postRollback: { watch: 0s }
    database: app
databases:
  app: { engine: sqlite, url: ${dbFile}, migrations: { dir: ./migrations }, backups: { dir: backups } }
drills:
  - { env: production, schedule: "0 4 1 1 *", hook: ["true"] }
`,
  );
  serve = await startServe(project, port);
  for (const [name, role] of [
    ['alice', 'admin'],
    ['ALICE', 'approver'],
    ['bob', 'approver'],
  ] as const) {
    const made = await runCli(['token', 'create', name, '--role', role, '--json'], { cwd: project.dir });
    expect(made.code, made.stderr).toBe(0);
    tokens[name] = (JSON.parse(made.stdout) as { token: string }).token;
  }
  for (const version of ['v1', 'v2']) {
    const deployed = await cli(['deploy', 'api', version, '--migrate', '--json'], 'alice');
    expect(deployed.code, deployed.stderr).toBe(0);
  }
});
afterAll(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

/** alice asks, alice and ALICE are refused (FOUR_EYES), nothing changed, bob approves */
async function fourEyes(approvalId: string, unchanged: () => Promise<unknown>): Promise<unknown> {
  const before = await unchanged();
  for (const who of ['alice', 'ALICE']) {
    const self = await cli(['approve', approvalId, '--json'], who);
    expect(self.code, who).toBe(1);
    expect(JSON.parse(self.stdout)).toMatchObject({ error: { code: 'FOUR_EYES' } });
  }
  expect(await unchanged()).toEqual(before);
  const ok = await cli(['approve', approvalId, '--json'], 'bob');
  expect(ok.code, ok.stderr).toBe(0);
  const body = JSON.parse(ok.stdout) as { approval: { decidedBy: string; requestedBy: string } };
  expect(body.approval).toMatchObject({ decidedBy: 'bob', requestedBy: 'alice' });
  return body;
}

describe('protected production', () => {
  it('undo waits; alice and ALICE cannot approve it; bob can and the rollback runs', async () => {
    const undo = await cli(['undo', 'api', '--reason', 'bad', '--json'], 'alice');
    expect(undo.code).toBe(4);
    const { approval } = JSON.parse(undo.stdout) as { approval: { id: string } };
    const approved = (await fourEyes(approval.id, () => get('/v1/rollbacks'))) as { rollback: { id: string } };
    const done = await waitFor('the approved rollback', async () => {
      const r = await get(`/v1/rollbacks/${approved.rollback.id}`);
      return r.status === 'succeeded' ? r : null;
    });
    expect(done).toMatchObject({ requestedBy: 'alice', fromRevision: 2, toRevision: 1 });
  });

  it('a stale approval (a deploy landed after the request) is refused with what changed', async () => {
    expect((await cli(['deploy', 'api', 'v2b', '--json'], 'alice')).code).toBe(0);
    const undo = await cli(['undo', 'api', '--emergency', '--reason', 'now', '--json'], 'alice');
    expect(undo.code, undo.stderr).toBe(4);
    const { approval } = JSON.parse(undo.stdout) as { approval: { id: string } };
    expect((await cli(['deploy', 'api', 'v3', '--json'], 'alice')).code).toBe(0);
    const rollbacks = await get('/v1/rollbacks');
    const stale = await as('bob', 'POST', `/v1/approvals/${approval.id}/approve`, {});
    expect(stale.status).toBe(409);
    const body = (await stale.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('STALE_APPROVAL');
    expect(body.error.message).toMatch(/api in production went from .*\(r\d+\) to v3 \(r\d+\)/);
    expect(await get('/v1/rollbacks')).toEqual(rollbacks);
  });

  it('db restore and migrate-down wait for another approver, then run', async () => {
    const backup = await cli(['db', 'backup', '--json'], 'alice');
    expect(backup.code, backup.stderr).toBe(0);
    const { id } = JSON.parse(backup.stdout) as { id: string };
    new Database(dbFile).prepare("INSERT INTO notes (body) VALUES ('written after the backup')").run();
    expect(notes().n).toBe(1);

    const restore = await cli(['db', 'restore', id, '--yes', '--json'], 'alice');
    expect(restore.code, restore.stderr).toBe(4);
    const asked = JSON.parse(restore.stdout) as { approval: { id: string } };
    await fourEyes(asked.approval.id, async () => notes());
    expect(notes().n).toBe(0);

    expect(columns()).toContain('color');
    const down = await cli(['db', 'migrate-down', '--to', '1', '--json'], 'alice');
    expect(down.code, down.stderr).toBe(4);
    await fourEyes((JSON.parse(down.stdout) as { approval: { id: string } }).approval.id, async () => columns());
    expect(columns()).not.toContain('color');
    // a dry run changes nothing and needs nobody
    const dry = await cli(['db', 'migrate-down', '--to', '0', '--dry-run', '--json'], 'alice');
    expect(dry.code, dry.stderr).toBe(0);
  });

  it('a drill waits too; approved, it starts as the requester', async () => {
    const drill = await as('alice', 'POST', '/v1/drills', { environment: 'production', timeoutMs: 1000 });
    expect(drill.status).toBe(202);
    const waiting = (await drill.json()) as { status: string; approval: { id: string } };
    expect(waiting.status).toBe('waiting');
    const approved = (await fourEyes(waiting.approval.id, async () =>
      (await get('/v1/events?limit=5000')).filter((e: { type: string }) => e.type === 'drill.started'),
    )) as { result: { drillId: string } };
    const finished = await waitFor(
      'the drill',
      async () => {
        const status = await get(`/v1/drills/${approved.result.drillId}`);
        return status.status === 'finished' ? status : null;
      },
      60_000,
    );
    expect(finished.result).toMatchObject({ environment: 'production' });
    const started = (await get('/v1/events?limit=5000')).find(
      (e: { type: string; data: { drillId?: string } }) =>
        e.type === 'drill.started' && e.data.drillId === approved.result.drillId,
    );
    expect(started).toMatchObject({ actor: 'alice' });
  });
});
