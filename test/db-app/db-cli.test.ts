import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_TEST_PASSWORD, startPostgres, type PostgresHarness } from '../harness/postgres.js';
import { checksums, createShop, damageShop, withPg } from '../database/pg-fixtures.js';
import { freePort, runCli, tempProject, type CliResult, type Project } from '../helpers/cli.js';

let pgServer: PostgresHarness | null = null;
let project: Project;
let url = '';
let controllerPort = 0;
const outputs: string[] = [];

/** Every run is kept so the last test can check no output ever held the password. */
async function db(...args: string[]): Promise<CliResult> {
  const result = await runCli(['db', ...args], { cwd: project.dir, env: { SHOP_DB_URL: url } });
  outputs.push(result.stdout, result.stderr);
  return result;
}
const json = <T>(result: CliResult): T => JSON.parse(result.stdout) as T;

beforeAll(async () => {
  pgServer = await startPostgres();
  if (!pgServer) return;
  url = await pgServer.createDatabase('cli_shop');
  await createShop(url);
  project = tempProject('rewind-db-cli-');
  controllerPort = await freePort();
  mkdirSync(join(project.dir, 'migrations'));
  project.write('migrations/1_notes.up.sql', 'CREATE TABLE notes (id serial PRIMARY KEY, body text);');
  project.write('migrations/1_notes.down.sql', 'DROP TABLE notes;');
  project.write('migrations/2_color.up.sql', 'ALTER TABLE notes ADD COLUMN color text;');
  project.write('migrations/2_color.down.sql', 'ALTER TABLE notes DROP COLUMN color;');
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${controllerPort}" }
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    database: shop
databases:
  shop:
    engine: postgres
    url: \${SHOP_DB_URL}
    migrations: { dir: ./migrations }
    backups: { dir: backups, keep: 3, jobs: 2 }
`,
  );
}, 120_000);

afterAll(async () => {
  await pgServer?.stop();
  project?.cleanup();
});

interface BackupJson {
  id: string;
  kind: string;
  tables: string[];
  sizeBytes: number;
  sha256: string;
  path: string;
  pruned: string[];
}

describe('rewind db as a subprocess, in-process (no controller)', () => {
  let full: BackupJson;

  it('backup --json is one object with id, kind, tables, sizeBytes, sha256, path; backups lists it; verify passes', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const taken = await db('backup', '--json');
    expect(taken.code, taken.stderr).toBe(0);
    full = json<BackupJson>(taken);
    expect(full).toMatchObject({ kind: 'full', tables: ['audit', 'customers', 'orders'] });
    expect(full.id).toMatch(/^bk_/);
    expect(full.sizeBytes).toBeGreaterThan(1000);
    expect(full.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(full.path).toBe(join(project.dir, 'backups', 'shop', full.id));
    expect(taken.stderr).toContain('backing up');

    const schema = json<BackupJson>(await db('backup', '--schema-only', '--json'));
    expect(schema.kind).toBe('schema');
    const tables = json<BackupJson>(await db('backup', '--table', 'orders', 'audit', '--json'));
    expect(tables.kind).toBe('tables');
    expect([...tables.tables].sort()).toEqual(['audit', 'orders']);

    const list = json<BackupJson[]>(await db('backups', '--json'));
    expect(list.map((b) => b.id)).toEqual([tables.id, schema.id, full.id]);
    expect(Object.keys(list[0] as object)).toEqual(
      expect.arrayContaining(['id', 'kind', 'tables', 'sizeBytes', 'sha256', 'path']),
    );

    const verified = await db('verify', full.id, '--json');
    expect(verified.code).toBe(0);
    expect(json<{ ok: boolean; checks: unknown[] }>(verified)).toMatchObject({ ok: true });
  });

  it('restore --table without --yes refuses (exit 2) and says what it would do; with --yes restores that table and quarantines the current rows', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const good = await checksums(url);
    await damageShop(url);
    const bad = await checksums(url);

    const refused = await db('restore', full.id, '--table', 'orders', '--quarantine');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/safety backup/);
    expect(refused.stderr).toMatch(/restore tables orders into shop/);
    expect(refused.stderr).toMatch(/--yes/);
    expect(await checksums(url)).toEqual(bad);

    const restored = await db('restore', full.id, '--table', 'orders', '--quarantine', '--yes', '--json');
    expect(restored.code, restored.stderr).toBe(0);
    const result = json<{ outcome: string; quarantineSuffix: string; safety: BackupJson }>(restored);
    expect(result.outcome).toBe('restored');
    const now = await checksums(url);
    expect(now.orders).toBe(good.orders);
    expect(now.customers).toBe(bad.customers); // untouched
    const quarantine = `orders_quarantine_${result.quarantineSuffix}`;
    expect((await checksums(url, [quarantine]))[quarantine]).toBe(bad.orders);
    expect(result.safety.kind).toBe('tables');
  });

  it('retention keeps backups.keep newest after each backup', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const taken = json<BackupJson>(await db('backup', '--schema-only', '--json'));
    expect(taken.pruned.length).toBeGreaterThan(0);
    const list = json<BackupJson[]>(await db('backups', '--json'));
    expect(list).toHaveLength(3);
    expect(list[0]?.id).toBe(taken.id);
  });

  it('migrate-down --dry-run prints the SQL and changes nothing; status shows the schema', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const { createPostgresAdapter } = await import('../../src/database/postgres/index.js');
    const adapter = createPostgresAdapter({ url });
    await adapter.migrateUp(join(project.dir, 'migrations'));

    const dry = await db('migrate-down', '--to', '1', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(json<{ dryRun: boolean; from: string; steps: string[] }>(dry)).toMatchObject({
      dryRun: true,
      from: '2',
      steps: [expect.stringContaining('DROP COLUMN color')],
    });
    // with data in the column, the dry run already says it would refuse
    await withPg(url, (c) => c.query(`INSERT INTO notes (body, color) VALUES ('x', 'red')`));
    expect((await db('migrate-down', '--to', '1', '--dry-run')).code).toBe(1);
    expect((await db('migrate-down', '--to', '1', '--dry-run', '--allow-data-loss')).code).toBe(0);
    const refused = await db('migrate-down', '--to', '1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/notes\.color, which holds non-null values.*--allow-data-loss/);

    const status = json<{ migration: { current: string; pending: string[] }; readOnly: boolean }>(
      await db('status', '--json'),
    );
    expect(status).toMatchObject({ migration: { current: '2', pending: [] }, readOnly: false });
  });

  it('read-only on blocks a write from another connection; off lets it through', async (ctx) => {
    if (!pgServer) return ctx.skip();
    expect((await db('read-only', 'on')).code).toBe(0);
    await expect(withPg(url, (c) => c.query(`INSERT INTO audit (note) VALUES ('blocked')`))).rejects.toThrow(
      /read-only transaction/,
    );
    expect(json<{ readOnly: boolean }>(await db('status', '--json')).readOnly).toBe(true);
    expect((await db('read-only', 'off')).code).toBe(0);
    await withPg(url, (c) => c.query(`INSERT INTO audit (note) VALUES ('allowed')`));
    expect((await db('read-only', 'maybe')).code).toBe(2);
  });

  it('a broken controller fails the command; --offline runs it here', async (ctx) => {
    if (!pgServer) return ctx.skip();
    // answers /healthz, fails everything else: the case --offline exists for
    const broken: Server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? 200 : 500, { 'content-type': 'application/json' });
      res.end(req.url === '/healthz' ? '{"ok":true}' : '{"error":{"code":"INTERNAL","message":"store is wedged"}}');
    });
    await new Promise<void>((resolve) => broken.listen(controllerPort, '127.0.0.1', resolve));
    try {
      const viaController = await db('validate', '--json');
      expect(viaController.code).toBe(1);
      expect(viaController.stderr).toContain('store is wedged');
      const offline = await db('validate', '--offline', '--json');
      expect(offline.code, offline.stderr).toBe(0);
      expect(json<{ ok: boolean }>(offline).ok).toBe(true);
    } finally {
      await new Promise((resolve) => broken.close(resolve));
    }
  });

  it('bad usage: unknown database, unknown backup; no output ever holds the password', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const unknown = await db('status', '--db', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown database "nope".*shop/);
    expect((await db('verify', 'bk_missing')).code).toBe(1);
    writeFileSync(join(project.dir, 'probe'), ''); // keep the project dir non-empty for inspection
    expect(outputs.join('\n')).not.toContain(PG_TEST_PASSWORD);
  });
});

describe('rewind db with several databases (SQLite, no server needed)', () => {
  it('--db is required when several are declared; SQLite backs up and says it has no read-only mode', async () => {
    const p = tempProject('rewind-db-sqlite-');
    try {
      p.write(
        'rewind.yaml',
        `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${await freePort()}" }
environments: { production: {} }
services:
  api: { driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] } }
databases:
  a: { engine: sqlite, url: a.sqlite }
  b: { engine: sqlite, url: b.sqlite }
`,
      );
      const run = (...args: string[]) => runCli(['db', ...args], { cwd: p.dir });
      const ambiguous = await run('status');
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toMatch(/several databases \(a, b\); pick one with --db/);
      const taken = await run('backup', '--db', 'b', '--json');
      expect(taken.code, taken.stderr).toBe(0);
      expect(JSON.parse(taken.stdout)).toMatchObject({ database: 'b', kind: 'full' });
      expect(JSON.parse((await run('backups', '--db', 'a', '--json')).stdout)).toEqual([]);
      const readOnly = await run('read-only', 'on', '--db', 'a');
      expect(readOnly.code).toBe(1);
      expect(readOnly.stderr).toMatch(/sqlite has no server-side read-only mode/);
    } finally {
      p.cleanup();
    }
  });
});
