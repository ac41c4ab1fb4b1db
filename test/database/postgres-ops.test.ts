import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAdapter } from '../../src/database/postgres/index.js';
import { startPostgres, type PostgresHarness } from '../harness/postgres.js';
import { createShop, withPg } from './pg-fixtures.js';

let pgServer: PostgresHarness | null = null;
const work = mkdtempSync(join(tmpdir(), 'rewind-pg-ops-'));

/** Three migrations: a table, a column, an index — each with a down file. */
function writeMigrations(dir: string): string {
  const files: Record<string, string> = {
    '001_tickets.up.sql': 'CREATE TABLE tickets (id serial PRIMARY KEY, title text NOT NULL);',
    '001_tickets.down.sql': 'DROP TABLE tickets;',
    '002_ticket_email.up.sql': 'ALTER TABLE tickets ADD COLUMN email text;',
    // unquoted and in capitals: PostgreSQL folds it to tickets.email, and so must the check
    '002_ticket_email.down.sql': '-- the column goes away\nALTER TABLE Tickets DROP COLUMN Email;',
    '003_ticket_index.up.sql': 'CREATE INDEX tickets_title ON tickets (title);',
    '003_ticket_index.down.sql': 'DROP INDEX tickets_title;',
  };
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

beforeAll(async () => {
  pgServer = await startPostgres();
});
afterAll(async () => {
  await pgServer?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('PostgreSQL read-only, status, validation and migrations', () => {
  it('read-only blocks a write from a second connection; off restores writes', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await pgServer.createDatabase('readonly');
    await createShop(url);
    const adapter = createPostgresAdapter({ url });
    const held = new pg.Client({ connectionString: url });
    const ended = new Promise<void>((resolve) => held.on('error', () => resolve()));
    await held.connect();

    await adapter.setReadOnly(true);
    await ended; // the session that was open is terminated so the default takes effect
    expect((await adapter.status()).readOnly).toBe(true);
    await expect(withPg(url, (c) => c.query(`INSERT INTO audit (note) VALUES ('blocked')`))).rejects.toThrow(
      /read-only/,
    );

    await adapter.setReadOnly(false);
    expect((await adapter.status()).readOnly).toBe(false);
    await withPg(url, (c) => c.query(`INSERT INTO audit (note) VALUES ('allowed')`));
    const { rows } = await withPg(url, (c) =>
      c.query(`SELECT count(*)::int AS n FROM audit WHERE note IN ('blocked', 'allowed')`),
    );
    expect(rows[0].n).toBe(1);
  });

  it('reports status and validates tables, foreign keys, indexes and row counts', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await pgServer.createDatabase('validate');
    await createShop(url);
    const adapter = createPostgresAdapter({ url });
    const status = await adapter.status();
    expect(status.engineVersion).toMatch(/^\d+/);
    expect(status.connections).toBeGreaterThan(0);
    expect(status.maxConnections).toBe(50);
    expect(status.migration.current).toBeNull();
    // reading the status never creates Rewind's migrations table
    const { rows: reg } = await withPg(url, (c) => c.query(`SELECT to_regclass('rewind_schema_migrations') AS t`));
    expect(reg[0].t).toBeNull();

    const good = await adapter.validate({
      tables: ['customers', 'orders', 'missing'],
      rowCounts: { orders: 500, audit: 19 },
    });
    expect(good.find((c) => c.name === 'table customers')?.ok).toBe(true);
    expect(good.find((c) => c.name === 'table missing')?.ok).toBe(false);
    expect(good.find((c) => c.name.startsWith('foreign key orders.'))?.ok).toBe(true);
    expect(good.find((c) => c.name === 'rows orders')?.ok).toBe(true);
    expect(good.find((c) => c.name === 'rows audit')).toMatchObject({ ok: false, detail: '20 rows, expected 19' });

    // an orphan slipped in with constraints bypassed, and an index build that failed
    await withPg(url, (c) =>
      c.query(`SET session_replication_role = replica; INSERT INTO orders (customer_id, amount) VALUES (4242, 1)`),
    );
    await withPg(url, async (c) => {
      await c.query(`INSERT INTO audit (note) VALUES ('dup'), ('dup')`);
      await c.query('CREATE UNIQUE INDEX CONCURRENTLY audit_note_unique ON audit (note)').catch(() => {});
    });
    const bad = await adapter.validate();
    expect(bad.find((c) => c.name.startsWith('foreign key orders.'))).toMatchObject({
      ok: false,
      detail: '1 rows of orders have no match in customers',
    });
    expect(bad.find((c) => c.name === 'indexes valid')).toMatchObject({ ok: false });
  });

  it('migrates down: refuses to drop a column holding data, dry-run changes nothing, allowDataLoss goes ahead', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await pgServer.createDatabase('migrations');
    const dir = writeMigrations(mkdtempSync(join(work, 'migrations-')));
    const adapter = createPostgresAdapter({ url, migrationsDir: dir });
    expect(await adapter.migrateUp(dir)).toEqual(['001_tickets', '002_ticket_email', '003_ticket_index']);
    expect((await adapter.status()).migration.current).toBe('003');
    await withPg(url, (c) => c.query(`INSERT INTO tickets (title, email) VALUES ('a', 'a@example.com'), ('b', NULL)`));

    // already there: nothing to do
    expect(await adapter.migrateDown(dir, '003', { dryRun: false, allowDataLoss: false })).toEqual([]);
    await expect(adapter.migrateDown(dir, '001', { dryRun: false, allowDataLoss: false })).rejects.toMatchObject({
      code: 'DATA_LOSS',
    });
    await expect(adapter.migrateDown(dir, '001', { dryRun: true, allowDataLoss: false })).rejects.toMatchObject({
      code: 'DATA_LOSS',
    });
    const dry = await adapter.migrateDown(dir, '001', { dryRun: true, allowDataLoss: true });
    expect(dry).toHaveLength(2);
    expect(dry[0]).toContain('DROP INDEX tickets_title');
    expect(dry[1]).toContain('DROP COLUMN Email');
    const status = await adapter.migrationStatus(dir);
    expect(status.current).toBe('003');
    const { rows: cols } = await withPg(url, (c) =>
      c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'tickets' ORDER BY 1`),
    );
    expect(cols.map((r) => r.column_name)).toEqual(['email', 'id', 'title']);

    // emptying the column makes the step safe without allowDataLoss
    await withPg(url, (c) => c.query('UPDATE tickets SET email = NULL'));
    expect(await adapter.migrateDown(dir, '001', { dryRun: false, allowDataLoss: false })).toHaveLength(2);
    expect((await adapter.migrationStatus(dir)).applied).toEqual(['001']);

    // the table holds rows: dropping it needs allowDataLoss
    await expect(adapter.migrateDown(dir, '0', { dryRun: false, allowDataLoss: false })).rejects.toThrow(
      /drops table tickets, which has rows/,
    );
    await adapter.migrateDown(dir, '0', { dryRun: false, allowDataLoss: true });
    expect((await adapter.migrationStatus(dir)).current).toBeNull();
    const { rows } = await withPg(url, (c) => c.query(`SELECT to_regclass('tickets') AS t`));
    expect(rows[0].t).toBeNull();
  });

  it('refuses a down migration that has no down file, before running anything', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await pgServer.createDatabase('nodown');
    const dir = writeMigrations(mkdtempSync(join(work, 'nodown-')));
    const adapter = createPostgresAdapter({ url });
    await adapter.migrateUp(dir);
    rmSync(join(dir, '002_ticket_email.down.sql'));
    await expect(adapter.migrateDown(dir, '001', { dryRun: false, allowDataLoss: true })).rejects.toMatchObject({
      code: 'MIGRATION_MISSING_DOWN',
    });
    expect((await adapter.migrationStatus(dir)).current).toBe('003');
    await expect(adapter.migrateDown(dir, '999', { dryRun: true, allowDataLoss: false })).rejects.toMatchObject({
      code: 'UNKNOWN_VERSION',
    });
  });
});
