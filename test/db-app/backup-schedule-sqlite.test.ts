import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backup } from '../../src/core/model.js';
import type { Controller } from '../../src/runtime/controller.js';
import { apiFetch } from '../helpers/api.js';
import { runCli, tempProject, type Project } from '../helpers/cli.js';
import { startServe } from '../record/project.js';
import { until } from './backup-fixtures.js';

const projects: Project[] = [];
const controllers: Controller[] = [];

afterAll(async () => {
  for (const c of controllers) await c.close();
  for (const p of projects) p.cleanup();
});

/** A project with a SQLite database `app` (a few rows), no migrations directory, and the given `backups:` block. */
function project(backups: string): Project {
  const p = tempProject('rewind-backups-sqlite-');
  projects.push(p);
  const db = new Database(join(p.dir, 'app.sqlite'));
  db.exec(
    'CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL); INSERT INTO orders (total) VALUES (9.5), (12), (3);',
  );
  db.close();
  p.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state }
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    database: app
databases:
  app: { engine: sqlite, url: app.sqlite, backups: ${backups} }
`,
  );
  return p;
}

async function serve(p: Project): Promise<Controller> {
  const c = await startServe(p.config);
  controllers.push(c);
  return c;
}

const verification = (b: Backup) => b.manifest.verification as { status: string; skipped?: boolean; detail: string };

describe('scheduled backups of SQLite', () => {
  it('db status answers although the migrations directory does not exist: the recovery point, and the missing directory named', async () => {
    const p = project('{ dir: backups, rpo: 1h }');
    expect(existsSync(join(p.dir, 'migrations'))).toBe(false);
    const controller = await serve(p);
    const taken = await apiFetch(`${controller.url}/v1/db/backups`, { method: 'POST', json: {} }, p);
    expect(taken.status, await taken.clone().text()).toBe(201);
    const { id } = (await taken.json()) as { id: string };
    // the leader verifies the backup taken by hand (it is newer than any verified one)
    await until(
      async () => verification((await controller.ctx.store.getBackup(id)) as Backup).status === 'passed',
      30_000,
      'the manual backup verified',
    );
    const answer = await apiFetch(`${controller.url}/v1/db/status`, {}, p);
    expect(answer.status, await answer.clone().text()).toBe(200);
    const status = (await answer.json()) as {
      engine: string;
      migration: { current: string | null; pending: string[]; missingDir: string | null };
      backups: { count: number; latestVerified: string; rpoSeconds: number; rpoMet: boolean };
    };
    expect(status.engine).toBe('sqlite');
    expect(status.migration).toMatchObject({ current: null, pending: [], missingDir: join(p.dir, 'migrations') });
    expect(status.backups).toMatchObject({ count: 1, latestVerified: id, rpoSeconds: 3600, rpoMet: true });

    const human = await runCli(['db', 'status', '--controller', controller.url], { cwd: p.dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`migrations directory ${join(p.dir, 'migrations')} does not exist`);
    expect(human.stdout).toMatch(new RegExp(`recovery point: ${id}, \\d+ s old; rpo 3600 s met`));
  }, 60_000);

  it('kind schema, verifyEvery 2: every slot takes a schema backup; the 1st and 3rd are restored and validated, the 2nd and 4th stay unverified on purpose', async () => {
    const p = project('{ dir: backups, schedule: "*/2 * * * * *", kind: schema, verifyEvery: 2, keep: 10 }');
    const controller = await serve(p);
    const scheduled = async () =>
      (await controller.ctx.store.listBackups({ database: 'app' }))
        .filter((b) => b.manifest.purpose === 'scheduled')
        .sort((a, b) => (a.manifest.sequence as number) - (b.manifest.sequence as number));
    const settled = async () => {
      const all = await scheduled();
      return (
        all.length >= 4 && all.slice(0, 4).every((b) => verification(b).status !== 'pending' || verification(b).skipped)
      );
    };
    await until(settled, 60_000, 'four scheduled backups, the odd ones verified');
    const first4 = (await scheduled()).slice(0, 4);
    expect(first4.map((b) => b.manifest.sequence)).toEqual([1, 2, 3, 4]);
    expect(first4.map((b) => b.kind)).toEqual(['schema', 'schema', 'schema', 'schema']);
    expect(first4.map((b) => verification(b).status)).toEqual(['passed', 'pending', 'passed', 'pending']);
    expect(verification(first4[1] as Backup)).toMatchObject({ skipped: true });
    expect(verification(first4[1] as Backup).detail).toContain('backups.verifyEvery is 2');
    expect(verification(first4[0] as Backup).detail).toMatch(/restored into a scratch copy/);
    // a schema backup holds the table, not its rows
    const copy = new Database(join(first4[0]?.path as string, 'database.sqlite'), { readonly: true });
    const rows = copy.prepare('SELECT count(*) AS n FROM orders').get() as { n: number };
    copy.close();
    expect(rows.n).toBe(0);
    // several RPO checks later the skipped ones are still not verified: they are never `latest`
    await new Promise((r) => setTimeout(r, 1500));
    const again = await controller.ctx.store.getBackup(first4[1]?.id as string);
    expect(verification(again as Backup).status).toBe('pending');
  }, 90_000);

  it('a scratch copy left beside the database by a verification that crashed is removed when the next leader starts', async () => {
    const p = project('{ dir: backups, rpo: 1h }');
    // what a crash in the middle of a verification leaves: the scratch directory with the copied file
    const left = mkdtempSync(join(p.dir, '.rewind-verify-app.sqlite-'));
    copyFileSync(join(p.dir, 'app.sqlite'), join(left, 'scratch.sqlite'));
    // a scratch copy of another database file in the same directory is not this database's to remove
    const other = mkdtempSync(join(p.dir, '.rewind-verify-other.sqlite-'));
    const controller = await serve(p);
    await until(async () => !existsSync(left), 30_000, 'the left scratch copy removed');
    expect(existsSync(other)).toBe(true);
    const events = await controller.ctx.store.listEvents({ types: ['backup.scratch-dropped'] });
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ database: 'app', dropped: [left.split('/').at(-1)] });
    // a verification that ends leaves nothing beside the database
    const taken = await apiFetch(`${controller.url}/v1/db/backups`, { method: 'POST', json: {} }, p);
    const { id } = (await taken.json()) as { id: string };
    await until(
      async () => verification((await controller.ctx.store.getBackup(id)) as Backup).status === 'passed',
      30_000,
      'the new backup verified',
    );
    expect(readdirSync(p.dir).filter((n) => n.startsWith('.rewind-verify-app.sqlite-'))).toEqual([]);
  }, 60_000);
});
