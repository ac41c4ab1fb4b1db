import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollbackDetail, StepSpec } from '../../src/core/model.js';
import { withPg } from '../database/pg-fixtures.js';
import { PG_TEST_PASSWORD, startPostgres, type PostgresHarness } from '../harness/postgres.js';
import { freePort, runCli, tempProject, type Project } from '../helpers/cli.js';
import { BROKEN_DOWN, COLOR, ITEMS, MIGRATE_SCRIPT, type Migration } from './migrate-script.js';

let pgServer: PostgresHarness | null = null;
let project: Project;
let url = '';
const outputs: string[] = [];

async function cli(...args: string[]) {
  const result = await runCli(args, { cwd: project.dir, env: { APP_DB_URL: url } });
  outputs.push(result.stdout, result.stderr);
  return result;
}
const migrations = (...list: Migration[]) => project.write('migrations.json', JSON.stringify(list));
const version = () =>
  withPg(url, async (c) => (await c.query<{ version: number }>('SELECT version FROM app_version')).rows[0]?.version);
const items = () =>
  withPg(url, async (c) =>
    (await c.query<{ name: string }>('SELECT name FROM items ORDER BY id')).rows.map((r) => r.name),
  );
const columns = () =>
  withPg(url, async (c) =>
    (
      await c.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position`,
      )
    ).rows.map((r) => r.column_name),
  );

beforeAll(async () => {
  pgServer = await startPostgres();
  if (!pgServer) return;
  url = await pgServer.createDatabase('command_tool');
  project = tempProject('rewind-migration-tool-');
  project.write('migrate.mjs', MIGRATE_SCRIPT);
  migrations(ITEMS);
  // the command driver: this file is about the database side, the processes are not needed
  project.write(
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
  app:
    engine: postgres
    url: \${APP_DB_URL}
    migrations:
      tool: command
      status: ["node", "migrate.mjs", "status"]
      down: ["node", "migrate.mjs", "down", "--to={version}"]
      up: ["node", "migrate.mjs", "up"]
      timeout: 30s
    backups: { dir: backups, keep: 10 }
`,
  );
}, 120_000);

afterAll(async () => {
  await pgServer?.stop();
  project?.cleanup();
});

describe('a migration tool run by command, on a real PostgreSQL', () => {
  it('deploy --migrate runs up after a pre-migration backup; undo migrates down with the tool; output journaled and redacted', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const v1 = await cli('deploy', 'api', 'v1', '--migrate', '--json');
    expect(v1.code, v1.stderr).toBe(0);
    await withPg(url, (c) => c.query(`INSERT INTO items (name) VALUES ('first'), ('second')`));
    migrations(ITEMS, COLOR);
    const v2 = await cli('deploy', 'api', 'v2', '--migrate', '--json');
    expect(v2.code, v2.stderr).toBe(0);
    expect(await version()).toBe(2);
    expect(await columns()).toEqual(['id', 'name', 'color']);
    const history = JSON.parse((await cli('history', 'api', '--json')).stdout) as { schemaVersion: string }[];
    expect(history.map((r) => r.schemaVersion)).toEqual(['2', '1']);
    const backups = JSON.parse((await cli('db', 'backups', '--json')).stdout) as {
      purpose: string;
      schemaVersion: string | null;
    }[];
    expect(backups.map((b) => [b.purpose, b.schemaVersion])).toEqual([
      ['pre-migrate', '1'],
      ['pre-migrate', '0'],
    ]);

    const dry = await cli('undo', 'api', '--dry-run');
    expect(dry.stdout).toMatch(/migrate database app down to 1/);
    const undo = await cli('undo', 'api', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    const { plan, rollback } = JSON.parse(undo.stdout) as { plan: StepSpec[]; rollback: RollbackDetail };
    expect(plan.map((s) => s.name).slice(0, 3)).toEqual(['read-only', 'migrate-down', 'validate-database']);
    expect(rollback.status).toBe('succeeded');
    const step = rollback.steps.find((s) => s.name === 'migrate-down');
    expect(step?.output).toContain('$ node migrate.mjs down --to=1');
    expect(step?.output).toContain('reverted 2');
    expect(await version()).toBe(1);
    expect(await columns()).toEqual(['id', 'name']);
    expect(await items()).toEqual(['first', 'second']);
    // writes work again after the read-only window
    await withPg(url, (c) => c.query(`INSERT INTO items (name) VALUES ('third')`));
  }, 120_000);

  it('db migrate-down --to a version; a down that fails half-way leaves the data as before', async (ctx) => {
    if (!pgServer) return ctx.skip();
    migrations(ITEMS, COLOR, BROKEN_DOWN);
    const v3 = await cli('deploy', 'api', 'v3', '--migrate', '--json');
    expect(v3.code, v3.stderr).toBe(0);
    expect(await version()).toBe(3);
    const before = await items();
    expect(before).toEqual(['first', 'second', 'third']);

    const failed = await cli('db', 'migrate-down', '--to', '2', '--json');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/migrate\.mjs failed|node failed/);
    expect(failed.stderr).toMatch(/put back from the backup/);
    expect(await items()).toEqual(before);
    expect(await version()).toBe(3);

    migrations(ITEMS, COLOR, { ...BROKEN_DOWN, down: ['DROP TABLE tags'] });
    const down = await cli('db', 'migrate-down', '--to', '2', '--json');
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ from: '3', to: '2' });
    expect(await version()).toBe(2);
    expect(await items()).toEqual(before);
    expect(outputs.join('\n')).not.toContain(PG_TEST_PASSWORD);
  }, 120_000);
});
