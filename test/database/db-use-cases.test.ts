import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrateDown,
  pruneBackups,
  restoreBackup,
  takeBackup,
  listBackups,
  type DbDeps,
  type DbEvent,
} from '../../src/app/db/index.js';
import { systemClock } from '../../src/core/clock.js';
import type { Store } from '../../src/core/ports/store.js';
import { createPostgresAdapter } from '../../src/database/postgres/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { PG_TEST_PASSWORD, startPostgres, type PostgresHarness } from '../harness/postgres.js';
import { checksums, createShop, damageShop, withPg } from './pg-fixtures.js';

let pgServer: PostgresHarness | null = null;
const work = mkdtempSync(join(tmpdir(), 'rewind-db-use-cases-'));
const stores: Store[] = [];

beforeAll(async () => {
  pgServer = await startPostgres();
});
afterAll(async () => {
  for (const store of stores) await store.close();
  await pgServer?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function setup(name: string): Promise<{ url: string; deps: DbDeps & { store: Store }; events: DbEvent[] }> {
  const url = await (pgServer as PostgresHarness).createDatabase(name);
  await createShop(url);
  const store = createSqliteStore({ path: join(work, `${name}.db`) });
  stores.push(store);
  const events: DbEvent[] = [];
  const deps = {
    adapter: createPostgresAdapter({ url }),
    store,
    clock: systemClock,
    dir: join(work, name),
    emit: (e: DbEvent) => events.push(e),
  };
  return { url, deps, events };
}

describe('database use cases over PostgreSQL and the SQLite store', () => {
  it('restores a backup behind a safety backup and read-only, validates, and records the timeline', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const { url, deps, events } = await setup('uc_restore');
    const good = await checksums(url);
    const backup = await takeBackup(deps, { guards: { service: 'api', environment: 'production', revision: 3 } });
    expect(backup.revision).toBe(3);
    await damageShop(url);
    const bad = await checksums(url);

    const result = await restoreBackup(deps, backup.id);
    expect(result.outcome).toBe('restored');
    expect(await checksums(url)).toEqual(good);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect((await deps.adapter.status()).readOnly).toBe(false);
    // the safety backup holds the state just before the restore: the undo can be undone
    expect((await listBackups(deps)).map((b) => b.id)).toContain(result.safety.id);
    await restoreBackup(deps, result.safety.id);
    expect(await checksums(url)).toEqual(bad);

    const types = (
      await deps.store.listEvents({ types: ['backup.created', 'restore.started', 'restore.succeeded'] })
    ).map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(['backup.created', 'backup.created', 'restore.started', 'restore.succeeded']);
    expect(JSON.stringify(events)).not.toContain(PG_TEST_PASSWORD);
  });

  it('refuses a corrupt backup before touching anything', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const { url, deps } = await setup('uc_corrupt');
    const backup = await takeBackup(deps);
    await damageShop(url);
    const before = await checksums(url);
    const manifestPath = join(backup.path, 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"rowCounts"', ' "rowCounts"'));
    const catalogBefore = (await listBackups(deps)).length;

    await expect(restoreBackup(deps, backup.id)).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(await checksums(url)).toEqual(before);
    expect((await listBackups(deps)).length).toBe(catalogBefore); // no safety backup: nothing was started
    expect((await deps.adapter.status()).readOnly).toBe(false);
    expect((await deps.store.listEvents({ types: ['restore.refused'] })).length).toBe(1);
  });

  it('a restore that fails midway puts the safety backup back and says so', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const { url, deps } = await setup('uc_midway');
    const backup = await takeBackup(deps);
    await damageShop(url);
    // a view created after the backup blocks pg_restore --clean from dropping orders
    await withPg(url, (c) => c.query('CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100'));
    const before = await checksums(url);

    const error = await restoreBackup(deps, backup.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RESTORE_FAILED' });
    expect((error as Error).message).toMatch(/was put back, so the database is as it was before/);
    expect((error as Error).message).not.toContain(PG_TEST_PASSWORD);
    expect(await checksums(url)).toEqual(before);
    const { rows } = await withPg(url, (c) => c.query('SELECT count(*)::int AS n FROM big_orders'));
    expect(rows[0].n).toBeGreaterThan(0);
    expect((await deps.adapter.status()).readOnly).toBe(false);
    expect((await deps.store.listEvents({ types: ['restore.reverted'] })).length).toBe(1);
  });

  it('migrates down: dry run and refusal change nothing; a real run backs up first', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const { url, deps } = await setup('uc_migrate');
    const dir = mkdtempSync(join(work, 'migrations-'));
    writeFileSync(join(dir, '1_vip.up.sql'), 'ALTER TABLE customers ADD COLUMN vip boolean;');
    writeFileSync(join(dir, '1_vip.down.sql'), 'ALTER TABLE customers DROP COLUMN vip;');
    await deps.adapter.migrateUp(dir);
    await withPg(url, (c) => c.query('UPDATE customers SET vip = true WHERE id = 1'));

    await expect(migrateDown(deps, { migrationsDir: dir, toVersion: '0' })).rejects.toMatchObject({
      code: 'DATA_LOSS',
    });
    const dry = await migrateDown(deps, { migrationsDir: dir, toVersion: '0', dryRun: true, allowDataLoss: true });
    expect(dry.steps[0]).toContain('DROP COLUMN vip');
    expect(await listBackups(deps)).toHaveLength(0);
    expect((await deps.adapter.migrationStatus(dir)).current).toBe('1');

    const done = await migrateDown(deps, { migrationsDir: dir, toVersion: '0', allowDataLoss: true });
    expect(done.backup?.kind).toBe('full');
    expect(done.backup?.manifest.schemaVersion).toBe('1');
    expect((await deps.adapter.migrationStatus(dir)).current).toBeNull();
    expect((await migrateDown(deps, { migrationsDir: dir, toVersion: '0' })).steps).toEqual([]);
  });

  it('prunes old backups, keeping the newest and the protected ones', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const { deps } = await setup('uc_prune');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await takeBackup(deps, { kind: 'schema' })).id);
    const [oldest, second, third, newest] = ids as [string, string, string, string];
    const result = await pruneBackups(deps, 1, [oldest]);
    expect(result.kept.sort()).toEqual([newest, oldest].sort());
    expect(result.deleted.sort()).toEqual([second, third].sort());
    expect(existsSync(join(deps.dir, second))).toBe(false);
    expect(existsSync(join(deps.dir, oldest))).toBe(true);
    expect((await listBackups(deps)).map((b) => b.id).sort()).toEqual([newest, oldest].sort());
  });
});
