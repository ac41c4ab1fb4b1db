import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreBackup, takeBackup } from '../../src/app/db/index.js';
import { systemClock } from '../../src/core/clock.js';
import { createMysqlAdapter } from '../../src/database/mysql/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { MYSQL_TEST_PASSWORD, startMariadb, type MariadbHarness } from '../harness/mariadb.js';

let server: MariadbHarness | null = null;
const work = mkdtempSync(join(tmpdir(), 'rewind-my-backups-'));

beforeAll(async () => {
  server = await startMariadb();
});
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function query<T = mysql.RowDataPacket[]>(url: string, sql: string): Promise<T> {
  const c = await mysql.createConnection({ uri: url, multipleStatements: true });
  try {
    return (await c.query(sql))[0] as T;
  } finally {
    await c.end();
  }
}

async function createShop(url: string): Promise<void> {
  await query(
    url,
    `CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL) ENGINE=InnoDB;
     CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount INT NOT NULL,
       FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE) ENGINE=InnoDB;
     INSERT INTO customers (name) VALUES ('ann'), ('bob'), ('cyd'), ('dee');
     INSERT INTO orders (customer_id, amount) VALUES (1, 10), (2, 20), (2, 25), (3, 30), (4, 40);`,
  );
}

async function checksums(url: string, tables = ['customers', 'orders']): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tables) {
    const rows = await query<mysql.RowDataPacket[]>(url, `SELECT * FROM \`${t}\` ORDER BY id`);
    out[t] = JSON.stringify(rows);
  }
  return out;
}

describe('MariaDB backups, restores and read-only', () => {
  it('backs up with mysqldump, restores identical contents, refuses a corrupted dump', async (ctx) => {
    if (!server) return ctx.skip();
    const url = await server.createDatabase('shop_full');
    await createShop(url);
    const adapter = createMysqlAdapter({ url });
    const good = await checksums(url);
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'full') });
    expect(result.manifest.rowCounts).toEqual({ customers: 4, orders: 5 });
    expect(result.manifest.files.map((f) => f.name)).toEqual(['dump.sql']);
    expect(readFileSync(join(result.path, 'dump.sql'), 'utf8')).not.toContain(MYSQL_TEST_PASSWORD);
    expect((await adapter.verify(result.path, result.sha256)).every((c) => c.ok)).toBe(true);

    await query(
      url,
      `UPDATE customers SET name = 'BROKEN'; DELETE FROM orders WHERE amount > 20; INSERT INTO orders (customer_id, amount) VALUES (1, -1)`,
    );
    const message = await adapter.restore(result.path, {});
    expect(message).not.toContain(MYSQL_TEST_PASSWORD);
    expect(await checksums(url)).toEqual(good);
    expect(
      (await adapter.validate({ tables: ['customers', 'orders'], rowCounts: result.manifest.rowCounts })).every(
        (c) => c.ok,
      ),
    ).toBe(true);

    await query(url, `UPDATE customers SET name = 'AGAIN'`);
    const changed = await checksums(url);
    const file = join(result.path, 'dump.sql');
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    writeFileSync(file, bytes);
    expect((await adapter.verify(result.path)).find((c) => c.name === 'file checksums')?.ok).toBe(false);
    await expect(adapter.restore(result.path, {})).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(await checksums(url)).toEqual(changed);
  });

  it('restores one table in a transaction, leaving the other untouched and quarantining the bad rows', async (ctx) => {
    if (!server) return ctx.skip();
    const url = await server.createDatabase('shop_table');
    await createShop(url);
    const adapter = createMysqlAdapter({ url });
    const good = await checksums(url);
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'table') });
    await query(url, `UPDATE customers SET name = 'changed'; INSERT INTO orders (customer_id, amount) VALUES (1, -5)`);
    const bad = await checksums(url);
    await adapter.restore(result.path, { tables: ['orders'], quarantineSuffix: 'q1' });
    const after = await checksums(url);
    expect(after.orders).toBe(good.orders);
    expect(after.customers).toBe(bad.customers);
    expect((await checksums(url, ['orders_quarantine_q1'])).orders_quarantine_q1).toBe(bad.orders);

    // restoring customers alone would orphan an order of a newer customer: refused, nothing changed
    await query(
      url,
      `INSERT INTO customers (id, name) VALUES (99, 'new'); INSERT INTO orders (customer_id, amount) VALUES (99, 1)`,
    );
    const before = await checksums(url);
    await expect(adapter.restore(result.path, { tables: ['customers'] })).rejects.toMatchObject({
      code: 'RESTORE_FAILED',
    });
    expect(await checksums(url)).toEqual(before);
  });

  it('read-only blocks an application user and off restores writes', async (ctx) => {
    if (!server) return ctx.skip();
    const url = await server.createDatabase('shop_ro');
    await createShop(url);
    await server.admin(
      `CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw'; GRANT ALL ON shop_ro.* TO 'app'@'127.0.0.1'`,
    );
    const appUrl = new URL(url);
    appUrl.username = 'app';
    appUrl.password = 'app-pw';
    const adapter = createMysqlAdapter({ url });
    try {
      await adapter.setReadOnly(true);
      expect((await adapter.status()).readOnly).toBe(true);
      await expect(query(appUrl.toString(), `INSERT INTO customers (name) VALUES ('blocked')`)).rejects.toThrow(
        /read-only|READ.ONLY/i,
      );
    } finally {
      await adapter.setReadOnly(false);
    }
    const status = await adapter.status();
    expect(status.readOnly).toBe(false);
    expect(status.engineVersion).toMatch(/MariaDB|^\d/);
    await query(appUrl.toString(), `INSERT INTO customers (name) VALUES ('allowed')`);
    expect(
      (
        await query<mysql.RowDataPacket[]>(
          url,
          `SELECT COUNT(*) AS n FROM customers WHERE name IN ('blocked', 'allowed')`,
        )
      )[0]?.n,
    ).toBe(1);
  });

  it('migrates down with the data-loss check', async (ctx) => {
    if (!server) return ctx.skip();
    const url = await server.createDatabase('shop_mig');
    const dir = mkdtempSync(join(work, 'mig-'));
    writeFileSync(join(dir, '1_notes.up.sql'), 'CREATE TABLE notes (id INT PRIMARY KEY, body TEXT);');
    writeFileSync(join(dir, '1_notes.down.sql'), 'DROP TABLE notes;');
    writeFileSync(join(dir, '2_tag.up.sql'), 'ALTER TABLE notes ADD COLUMN tag VARCHAR(20);');
    writeFileSync(join(dir, '2_tag.down.sql'), 'ALTER TABLE notes DROP COLUMN tag;');
    const adapter = createMysqlAdapter({ url });
    await adapter.migrateUp(dir);
    await query(url, `INSERT INTO notes VALUES (1, 'x', 'urgent')`);
    await expect(adapter.migrateDown(dir, '1', { dryRun: false, allowDataLoss: false })).rejects.toMatchObject({
      code: 'DATA_LOSS',
    });
    expect(await adapter.migrateDown(dir, '1', { dryRun: false, allowDataLoss: true })).toHaveLength(1);
    expect((await adapter.migrationStatus(dir)).current).toBe('1');
  });

  it('runs the guarded restore use case: safety backup, read-only during the restore, validated', async (ctx) => {
    if (!server) return ctx.skip();
    const url = await server.createDatabase('shop_guarded');
    await createShop(url);
    const store = createSqliteStore({ path: join(work, 'state.db') });
    const adapter = createMysqlAdapter({ url });
    const deps = { adapter, store, clock: systemClock, dir: join(work, 'catalog') };
    try {
      const good = await checksums(url);
      const backup = await takeBackup(deps);
      await query(url, `DELETE FROM orders WHERE amount < 30`);
      const result = await restoreBackup(deps, backup.id);
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      expect(await checksums(url)).toEqual(good);
      expect((await adapter.status()).readOnly).toBe(false);
      expect(result.safety.manifest.rowCounts).toEqual({ customers: 4, orders: 2 });
    } finally {
      await store.close();
    }
  });
});
