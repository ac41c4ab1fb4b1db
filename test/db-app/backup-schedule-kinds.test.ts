import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backup } from '../../src/core/model.js';
import { scratchName } from '../../src/database/shared/scratch.js';
import type { Controller } from '../../src/runtime/controller.js';
import { requirePart } from '../harness/free-port.js';
import { startPostgres, type PostgresHarness } from '../harness/postgres.js';
import { tempProject, type Project } from '../helpers/cli.js';
import { startServe } from '../record/project.js';
import { createShop, withPg } from '../database/pg-fixtures.js';
import { scratchDatabases, until } from './backup-fixtures.js';

let pgServer: PostgresHarness | null = null;
let url = '';
const projects: Project[] = [];
const controllers: Controller[] = [];

beforeAll(async () => {
  pgServer = await startPostgres();
  // without PostgreSQL each test is skipped with its reason (failed in CI) by requirePart
  if (pgServer) {
    url = await pgServer.createDatabase('bk_kinds');
    await createShop(url);
  }
}, 120_000);

afterAll(async () => {
  for (const c of controllers) await c.close();
  await pgServer?.stop();
  for (const p of projects) p.cleanup();
});

function project(backups: string): Project {
  const p = tempProject('rewind-backup-kinds-');
  projects.push(p);
  mkdirSync(join(p.dir, 'migrations'));
  p.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state }
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    database: shop
databases:
  shop: { engine: postgres, url: "\${SHOP_DB_URL}", backups: ${backups} }
`,
  );
  return p;
}

async function serve(p: Project): Promise<Controller> {
  const c = await startServe(p.config, { SHOP_DB_URL: url });
  controllers.push(c);
  return c;
}

const verification = (b: Backup) => b.manifest.verification as { status: string; skipped?: boolean; detail: string };

describe('scheduled backups of PostgreSQL: kind and verifyEvery, and scratch databases a crash left', () => {
  it('a scratch database left by a crashed verification is dropped when the next leader starts; one of another database is not', async (ctx) => {
    requirePart(ctx, pgServer, 'PostgreSQL (initdb)');
    // what a controller killed in the middle of a verification leaves: a scratch database with the restored tables
    const ours = scratchName('bk_kinds');
    const theirs = scratchName('some_other_database');
    await withPg(url, async (c) => {
      await c.query(`CREATE DATABASE ${ours}`);
      await c.query(`CREATE DATABASE ${theirs}`);
    });
    const scratchUrl = new URL(url);
    scratchUrl.pathname = `/${ours}`;
    await createShop(scratchUrl.toString());
    expect((await scratchDatabases(url)).sort()).toEqual([ours, theirs].sort());

    const controller = await serve(project('{ dir: backups, rpo: 1h }'));
    await until(async () => !(await scratchDatabases(url)).includes(ours), 30_000, 'the left scratch database dropped');
    expect(await scratchDatabases(url)).toEqual([theirs]);
    const events = await controller.ctx.store.listEvents({ types: ['backup.scratch-dropped'] });
    expect(events.map((e) => e.data)).toEqual([{ database: 'shop', dropped: [ours] }]);
    await withPg(url, (c) => c.query(`DROP DATABASE ${theirs}`));
  }, 90_000);

  it('kind tables, verifyEvery 3: each slot backs up the named table only; the 1st and 4th are restored into a scratch database, the others left unverified', async (ctx) => {
    requirePart(ctx, pgServer, 'PostgreSQL (initdb)');
    const p = project(
      '{ dir: backups, schedule: "*/2 * * * * *", kind: tables, tables: [customers], verifyEvery: 3, keep: 10 }',
    );
    const controller = await serve(p);
    const scheduled = async () =>
      (await controller.ctx.store.listBackups({ database: 'shop' }))
        .filter((b) => b.manifest.purpose === 'scheduled')
        .sort((a, b) => (a.manifest.sequence as number) - (b.manifest.sequence as number));
    await until(
      async () => {
        const all = (await scheduled()).slice(0, 4);
        return all.length === 4 && all.every((b) => verification(b).status !== 'pending' || verification(b).skipped);
      },
      90_000,
      'four scheduled backups, the 1st and 4th verified',
    );
    const first4 = (await scheduled()).slice(0, 4);
    await controller.close();
    controllers.splice(controllers.indexOf(controller), 1);
    expect(first4.map((b) => b.manifest.sequence)).toEqual([1, 2, 3, 4]);
    expect(first4.map((b) => b.kind)).toEqual(['tables', 'tables', 'tables', 'tables']);
    for (const b of first4) expect(b.tables).toEqual(['customers']);
    expect(first4.map((b) => verification(b).status)).toEqual(['passed', 'pending', 'pending', 'passed']);
    expect(first4.map((b) => verification(b).skipped ?? false)).toEqual([false, true, true, false]);
    // the scratch restore checked the table's rows as counted at backup time
    expect(verification(first4[3] as Backup).detail).toMatch(/restored into a scratch copy in .*; \d+ checks passed/);
    expect((first4[3]?.manifest.rowCounts as Record<string, number>).customers).toBe(
      Number(
        (await withPg(url, (c) => c.query<{ n: string }>('SELECT count(*) AS n FROM customers'))).rows[0]?.n ?? -1,
      ),
    );
    expect(await scratchDatabases(url)).toEqual([]);
  }, 150_000);
});
