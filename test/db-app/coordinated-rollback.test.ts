import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Release, RollbackDetail, StepSpec } from '../../src/core/model.js';
import { PG_TEST_PASSWORD, startPostgres, type PostgresHarness } from '../harness/postgres.js';
import { withPg } from '../database/pg-fixtures.js';
import { freePort, runCli, startServe, tempProject, type Project, type Serve } from '../helpers/cli.js';
import { localProject, whoAnswers } from '../local-app/harness.js';

let pgServer: PostgresHarness | null = null;
let project: Project;
let serve: Serve | null = null;
let url = '';
let front = 0;
const outputs: string[] = [];

async function cli(...args: string[]) {
  const result = await runCli(args, { cwd: project.dir, env: { APP_DB_URL: url } });
  outputs.push(result.stdout, result.stderr);
  return result;
}

const columns = (table: string): Promise<string[]> =>
  withPg(url, async (c) =>
    (
      await c.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
        [table],
      )
    ).rows.map((r) => r.column_name),
  );

beforeAll(async () => {
  pgServer = await startPostgres();
  if (!pgServer) return;
  url = await pgServer.createDatabase('coordinated');
  project = tempProject('rewind-db-coordinated-');
  const ports = { controller: await freePort(), front: await freePort() };
  front = ports.front;
  mkdirSync(join(project.dir, 'migrations'));
  project.write('migrations/1_items.up.sql', 'CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);');
  project.write('migrations/1_items.down.sql', 'DROP TABLE items;');
  localProject(
    project,
    ports,
    `    database: app
    postRollback: { watch: 0s }
databases:
  app:
    engine: postgres
    url: \${APP_DB_URL}
    migrations: { dir: ./migrations }
    backups: { dir: backups, keep: 5 }
`,
  );
  serve = await startServe(project, ports.controller, { APP_DB_URL: url });
}, 120_000);

afterAll(async () => {
  await serve?.kill('SIGTERM');
  await pgServer?.stop();
  project?.cleanup();
});

describe('coordinated application + database rollback with the local driver', () => {
  it('deploy --migrate twice, then undo: read-only → migrate-down → validate → switch → read-write; column gone, writes work, traffic on v1', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const v1 = await cli('deploy', 'web', 'v1', '--migrate', '--json');
    expect(v1.code, v1.stderr).toBe(0);
    await withPg(url, (c) => c.query(`INSERT INTO items (name) VALUES ('first')`));

    project.write('migrations/2_color.up.sql', 'ALTER TABLE items ADD COLUMN color text;');
    project.write('migrations/2_color.down.sql', 'ALTER TABLE items DROP COLUMN color;');
    const v2 = await cli('deploy', 'web', 'v2', '--migrate', '--json');
    expect(v2.code, v2.stderr).toBe(0);
    expect(await columns('items')).toEqual(['id', 'name', 'color']);
    await withPg(url, (c) => c.query(`INSERT INTO items (name, color) VALUES ('second', 'red')`));
    expect(await whoAnswers(front)).toBe('v2');

    const history = JSON.parse((await cli('history', 'web', '--json')).stdout) as Release[];
    expect(history.map((r) => [r.revision, r.schemaVersion])).toEqual([
      [2, '2'],
      [1, '1'],
    ]);
    // the pre-migration backups guard their releases, through the controller's /v1/db routes
    const backups = JSON.parse((await cli('db', 'backups', '--json')).stdout) as {
      purpose: string;
      schemaVersion: string | null;
      guards: { revision: number };
    }[];
    expect(backups.map((b) => [b.purpose, b.guards.revision, b.schemaVersion])).toEqual([
      ['pre-migrate', 2, '1'],
      ['pre-migrate', 1, null],
    ]);

    const dry = await cli('undo', 'web', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /1\. stop writes on database app\n2\. migrate database app down to 1\n3\. validate database app \[validation\]/,
    );

    const undo = await cli('undo', 'web', '--wait-stable', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    const { plan, rollback } = JSON.parse(undo.stdout) as { plan: StepSpec[]; rollback: RollbackDetail };
    expect(plan.map((s) => s.name)).toEqual([
      'read-only',
      'migrate-down',
      'validate-database',
      'await-healthy',
      'shift-traffic',
      'retire',
      'read-write',
    ]);
    expect(rollback.status).toBe('succeeded');
    const validation = rollback.steps.find((s) => s.name === 'validate-database')?.output ?? '';
    expect(validation).toMatch(/ok schema version: database at 1, revision 1 needs 1/);
    expect(validation).toMatch(/ok table items: present/);

    expect(await columns('items')).toEqual(['id', 'name']);
    await withPg(url, (c) => c.query(`INSERT INTO items (name) VALUES ('after rollback')`));
    expect(await whoAnswers(front)).toBe('v1');
    const status = JSON.parse((await cli('db', 'status', '--json')).stdout) as {
      readOnly: boolean;
      migration: { current: string };
    };
    expect(status).toMatchObject({ readOnly: false, migration: { current: '1' } });
    // without the database URL here, only the controller's /v1/db routes can answer
    const remote = await runCli(['db', 'status', '--json', '--controller', serve?.url ?? ''], { cwd: project.dir });
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout)).toMatchObject({ database: 'app', engine: 'postgres', backups: { count: 3 } });
    // the rows of the dropped column are not lost: migrate-down backed the database up first
    const after = JSON.parse((await cli('db', 'backups', '--json')).stdout) as { purpose: string }[];
    expect(after[0]?.purpose).toBe('pre-migrate-down');

    // a restore through the controller tells its story on stderr as it happens
    const taken = JSON.parse((await cli('db', 'backup', '--json')).stdout) as { id: string };
    const restore = await cli('db', 'restore', taken.id, '--yes');
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toMatch(new RegExp(`restoring ${taken.id}; safety backup \\S+`));
    expect(restore.stderr).toContain(`restored ${taken.id}:`);
    expect(await columns('items')).toEqual(['id', 'name']);
    expect(outputs.join('\n')).not.toContain(PG_TEST_PASSWORD);
  }, 180_000);
});

describe('coordinated rollback by restore (command driver, in-process)', () => {
  it('rollback: restore puts back the pre-migration backup of the release rolled back; an emergency skips validation', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const dbUrl = await pgServer.createDatabase('coordinated_restore');
    const p = tempProject('rewind-db-restore-');
    try {
      mkdirSync(join(p.dir, 'migrations'));
      p.write('migrations/1_items.up.sql', 'CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);');
      p.write('migrations/1_items.down.sql', 'DROP TABLE items;');
      p.write(
        'rewind.yaml',
        `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${await freePort()}" }
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    database: app
    postRollback: { watch: 0s }
databases:
  app: { engine: postgres, url: "\${APP_DB_URL}", rollback: restore }
`,
      );
      const run = (...args: string[]) => runCli(args, { cwd: p.dir, env: { APP_DB_URL: dbUrl } });
      expect((await run('deploy', 'api', 'v1', '--migrate')).code).toBe(0);
      await withPg(dbUrl, (c) => c.query(`INSERT INTO items (name) VALUES ('before v2')`));
      // v2 migrates with no down file: restore is the only way back
      p.write('migrations/2_color.up.sql', 'ALTER TABLE items ADD COLUMN color text;');
      expect((await run('deploy', 'api', 'v2', '--migrate')).code).toBe(0);
      await withPg(dbUrl, (c) => c.query(`INSERT INTO items (name, color) VALUES ('written by v2', 'red')`));

      const undo = await run('undo', 'api', '--emergency', '--reason', 'v2 corrupts items', '--json');
      expect(undo.code, undo.stderr).toBe(0);
      const { plan, rollback } = JSON.parse(undo.stdout) as { plan: StepSpec[]; rollback: RollbackDetail };
      expect(plan.map((s) => s.name)).toEqual([
        'read-only',
        'restore',
        'start',
        'shift-traffic',
        'retire',
        'read-write',
      ]);
      expect(rollback.status).toBe('succeeded');
      const rows = await withPg(dbUrl, async (c) =>
        (await c.query<{ name: string }>('SELECT name FROM items ORDER BY id')).rows.map((r) => r.name),
      );
      expect(rows).toEqual(['before v2']);
      expect(
        await withPg(dbUrl, async (c) =>
          (await c.query('SELECT version FROM rewind_schema_migrations ORDER BY version')).rows.map((r) => r.version),
        ),
      ).toEqual(['1']);
      await withPg(dbUrl, (c) => c.query(`INSERT INTO items (name) VALUES ('writes work')`));
    } finally {
      p.cleanup();
    }
  });
});
