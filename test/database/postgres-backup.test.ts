import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAdapter } from '../../src/database/postgres/index.js';
import { PG_TEST_PASSWORD, startPostgres, type PostgresHarness } from '../harness/postgres.js';
import { checksums, createShop, damageShop, withPg } from './pg-fixtures.js';

let pgServer: PostgresHarness | null = null;
const work = mkdtempSync(join(tmpdir(), 'rewind-pg-backups-'));

beforeAll(async () => {
  pgServer = await startPostgres();
});
afterAll(async () => {
  await pgServer?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function freshShop(name: string): Promise<string> {
  const url = await (pgServer as PostgresHarness).createDatabase(name);
  await createShop(url);
  return url;
}

describe('PostgreSQL backups and restores', () => {
  it('backs up with a manifest, restores to identical contents, and never shows the password', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await freshShop('full_restore');
    const adapter = createPostgresAdapter({ url, jobs: 2 });
    const before = await checksums(url);
    const result = await adapter.backup({
      kind: 'full',
      dir: join(work, 'full'),
      schemaVersion: '3',
      guards: { service: 'api', environment: 'production', revision: 7 },
    });

    expect(result.manifest.tables).toEqual(['audit', 'customers', 'orders']);
    expect(result.manifest.rowCounts).toEqual({ audit: 20, customers: 50, orders: 500 });
    expect(result.manifest.engineVersion).toMatch(/^\d+/);
    expect(result.manifest.guards).toEqual({ service: 'api', environment: 'production', revision: 7 });
    expect(result.manifest.files.length).toBeGreaterThan(2);
    const manifestText = readFileSync(join(result.path, 'manifest.json'), 'utf8');
    expect(manifestText).not.toContain(PG_TEST_PASSWORD);
    const checks = await adapter.verify(result.path, result.sha256);
    expect(checks.every((c) => c.ok)).toBe(true);

    await damageShop(url);
    expect(await checksums(url)).not.toEqual(before);
    const message = await adapter.restore(result.path, {});
    expect(message).not.toContain(PG_TEST_PASSWORD);
    expect(await checksums(url)).toEqual(before);
    const validation = await adapter.validate({ tables: result.manifest.tables, rowCounts: result.manifest.rowCounts });
    expect(validation.filter((c) => !c.ok)).toEqual([]);
  });

  it('refuses a backup with one corrupted byte and changes nothing', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await freshShop('corrupt');
    const adapter = createPostgresAdapter({ url });
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'corrupt') });
    await damageShop(url);
    const damaged = await checksums(url);
    const victim =
      result.manifest.files.find((f) => f.name.endsWith('.dat.gz') && f.sizeBytes > 20) ?? result.manifest.files[0];
    const path = join(result.path, victim!.name);
    const bytes = readFileSync(path);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);

    const checks = await adapter.verify(result.path, result.sha256);
    expect(checks.find((c) => c.name === 'file checksums')?.ok).toBe(false);
    await expect(adapter.restore(result.path, {})).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(await checksums(url)).toEqual(damaged);
  });

  it('restores one table and leaves every other table untouched, keeping the bad rows in quarantine', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await freshShop('one_table');
    const adapter = createPostgresAdapter({ url });
    const good = await checksums(url);
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'one-table') });
    await damageShop(url);
    const bad = await checksums(url);

    const message = await adapter.restore(result.path, { tables: ['orders'], quarantineSuffix: 'r42' });
    expect(message).toContain('one transaction');
    const after = await checksums(url);
    expect(after.orders).toBe(good.orders);
    expect(after.customers).toBe(bad.customers);
    expect(after.audit).toBe(bad.audit);
    const quarantine = await checksums(url, ['orders_quarantine_r42']);
    expect(quarantine.orders_quarantine_r42).toBe(bad.orders);
    await withPg(url, async (c) => {
      const { rows } = await c.query('SELECT amount FROM orders_quarantine_r42 WHERE amount < 0 ORDER BY amount');
      expect(rows.map((r) => r.amount)).toEqual([-2, -1]);
    });
  });

  it('a table restore that fails midway leaves the data exactly as before', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await freshShop('fail_midway');
    const adapter = createPostgresAdapter({ url });
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'midway') });
    // a customer created after the backup, with orders: restoring customers alone would orphan them
    await withPg(url, (c) =>
      c.query(
        `INSERT INTO customers (id, name) VALUES (999, 'new'); INSERT INTO orders (customer_id, amount) VALUES (999, 5)`,
      ),
    );
    const before = await checksums(url);
    await expect(adapter.restore(result.path, { tables: ['customers'], quarantineSuffix: 'x1' })).rejects.toMatchObject(
      { code: 'RESTORE_FAILED' },
    );
    expect(await checksums(url)).toEqual(before);
    await withPg(url, async (c) => {
      const { rows } = await c.query(`SELECT to_regclass('customers_quarantine_x1') AS q`);
      expect(rows[0].q).toBeNull();
    });
  });

  it('takes schema-only and table backups that verify', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await freshShop('kinds');
    const adapter = createPostgresAdapter({ url });
    const schema = await adapter.backup({ kind: 'schema', dir: join(work, 'schema') });
    expect(schema.manifest.rowCounts).toEqual({});
    expect((await adapter.verify(schema.path)).every((c) => c.ok)).toBe(true);
    const tables = await adapter.backup({ kind: 'tables', tables: ['audit'], dir: join(work, 'tables') });
    expect(tables.tables).toEqual(['audit']);
    await withPg(url, (c) => c.query(`DELETE FROM audit; UPDATE customers SET name = 'kept'`));
    const before = await checksums(url);
    await adapter.restore(tables.path, {});
    const after = await checksums(url);
    expect(after.customers).toBe(before.customers);
    expect(after.audit).not.toBe(before.audit);
    await expect(adapter.backup({ kind: 'tables', tables: ['nope'], dir: join(work, 'nope') })).rejects.toMatchObject({
      code: 'UNKNOWN_TABLE',
    });
  });

  it("a full restore with a quarantine suffix keeps every table's previous rows", async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = await freshShop('full_quarantine');
    const adapter = createPostgresAdapter({ url, jobs: 1 });
    const good = await checksums(url);
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'full-quarantine') });
    await damageShop(url);
    const bad = await checksums(url);
    const message = await adapter.restore(result.path, { quarantineSuffix: 'inc7' });
    expect(message).toContain('orders_quarantine_inc7');
    expect(await checksums(url)).toEqual(good);
    const kept = await checksums(url, ['customers_quarantine_inc7', 'orders_quarantine_inc7', 'audit_quarantine_inc7']);
    expect(Object.values(kept)).toEqual([bad.customers, bad.orders, bad.audit]);
  });

  it('keeps the password out of connection errors', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const url = new URL(pgServer.url);
    url.password = 'wrong-Pa55word-xyz';
    const adapter = createPostgresAdapter({ url: url.toString() });
    const error = await adapter.status().catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain('wrong-Pa55word-xyz');
    const backupError = await adapter.backup({ kind: 'full', dir: join(work, 'denied') }).catch((e: Error) => e);
    expect(String((backupError as Error).message)).not.toContain('wrong-Pa55word-xyz');
  });
});
