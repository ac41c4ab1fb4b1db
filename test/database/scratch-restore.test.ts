import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupManifest, DatabaseAdapter, ValidationCheck } from '../../src/core/ports/database.js';
import { createMysqlAdapter } from '../../src/database/mysql/index.js';
import { describeFiles, MANIFEST_FILE, writeManifest } from '../../src/database/shared/manifest.js';
import { createSqliteAdapter } from '../../src/database/sqlite/index.js';
import { startMariadb, type MariadbHarness } from '../harness/mariadb.js';

/**
 * Verification by restore on MariaDB (a scratch schema) and SQLite (a scratch
 * file): a good backup restores and validates, a dump broken after it was
 * written fails the restore, row counts are checked against the manifest, and
 * the scratch copy is gone afterwards. PostgreSQL's scratch database is covered
 * by test/db-app/backup-schedule.test.ts.
 */
let server: MariadbHarness | null = null;
const work = mkdtempSync(join(tmpdir(), 'rewind-scratch-'));

beforeAll(async () => {
  server = await startMariadb();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const failed = (checks: ValidationCheck[]) => checks.filter((c) => !c.ok).map((c) => c.name);

/** Rewrites a backup's manifest after the test changed it or its files (checksums match the change). */
async function rewrite(path: string, change: (m: Record<string, unknown>) => void): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(path, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  change(manifest);
  await writeManifest(path, { ...(manifest as unknown as BackupManifest), files: await describeFiles(path) });
}

async function verifyCases(
  adapter: DatabaseAdapter,
  dumpFile: string,
  garbage: Buffer,
  scratchLeft: () => Promise<number>,
) {
  const good = await adapter.backup({ kind: 'full', dir: join(work, `${adapter.engine}-good`) });
  const query = { name: 'every order has a customer', sql: 'SELECT count(*) = 0 FROM orders WHERE customer_id > 4' };
  const passed = await adapter.restoreToScratch(good.path, { queries: [query] });
  expect(failed(passed.checks)).toEqual([]);
  expect(passed.checks.map((c) => c.name)).toEqual(
    expect.arrayContaining(['table customers', 'table orders', 'rows customers', 'rows orders', `query ${query.name}`]),
  );
  expect(passed.restoreMs).toBeGreaterThanOrEqual(0);
  const wrong = await adapter.restoreToScratch(good.path, { queries: [{ name: 'none', sql: 'SELECT 0' }] });
  expect(failed(wrong.checks)).toEqual(['query none']);

  // the manifest says 99 orders were in the database: the restored copy has 5
  const counted = await adapter.backup({ kind: 'full', dir: join(work, `${adapter.engine}-counted`) });
  await rewrite(counted.path, (m) => ((m.rowCounts as Record<string, number>).orders = 99));
  const miscount = await adapter.restoreToScratch(counted.path, {});
  expect(miscount.checks.find((c) => c.name === 'rows orders')).toMatchObject({
    ok: false,
    detail: '5 rows, expected 99',
  });

  const broken = await adapter.backup({ kind: 'full', dir: join(work, `${adapter.engine}-broken`) });
  writeFileSync(join(broken.path, dumpFile), garbage);
  await rewrite(broken.path, () => undefined);
  const refused = await adapter.restoreToScratch(broken.path, {});
  expect(failed(refused.checks)).toEqual(['restore into scratch copy']);
  expect(await scratchLeft()).toBe(0);
}

describe('verification by restore into a scratch copy', () => {
  it('MariaDB: a temporary schema on the same server, dropped afterwards', async (ctx) => {
    if (!server) return ctx.skip();
    const url = await server.createDatabase('scratch_shop');
    const c = await mysql.createConnection({ uri: url, multipleStatements: true });
    await c.query(
      `CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL) ENGINE=InnoDB;
       CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL,
         FOREIGN KEY (customer_id) REFERENCES customers(id)) ENGINE=InnoDB;
       INSERT INTO customers (name) VALUES ('ann'), ('bob'), ('cyd'), ('dee');
       INSERT INTO orders (customer_id) VALUES (1), (2), (2), (3), (4);`,
    );
    const adapter = createMysqlAdapter({ url });
    const left = async () => ((await c.query("SHOW DATABASES LIKE 'rewind\\_verify\\_%'"))[0] as unknown[]).length;
    await verifyCases(
      adapter,
      'dump.sql',
      Buffer.from('-- MariaDB dump\nCREATE TABLE broken (;\n-- Dump completed\n'),
      left,
    );
    await c.end();
    await adapter.close();
  }, 120_000);

  it('SQLite: a temporary file, removed afterwards', async () => {
    const file = join(work, 'shop.sqlite');
    const d = new Database(file);
    d.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id));
      INSERT INTO customers (name) VALUES ('ann'), ('bob'), ('cyd'), ('dee');
      INSERT INTO orders (customer_id) VALUES (1), (2), (2), (3), (4);`);
    d.close();
    const adapter = createSqliteAdapter({ path: file, name: 'shop' });
    const before = new Set(readdir());
    await verifyCases(
      adapter,
      'database.sqlite',
      Buffer.from('SQLite format 3\0 but not really a database'),
      async () => readdir().filter((n) => !before.has(n)).length,
    );
    await adapter.close();
  });
});

function readdir(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('rewind-verify-'));
}
