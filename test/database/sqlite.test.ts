import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { restoreBackup, takeBackup } from '../../src/app/db/index.js';
import { systemClock } from '../../src/core/clock.js';
import { createSqliteAdapter } from '../../src/database/sqlite/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';

const work = mkdtempSync(join(tmpdir(), 'rewind-sqlite-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function shop(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), amount INTEGER);
    INSERT INTO customers (name) VALUES ('ann'), ('bob');
    INSERT INTO orders (customer_id, amount) VALUES (1, 10), (2, 20), (2, 30);
  `);
  db.close();
}

const contents = (path: string): string => {
  const db = new Database(path, { readonly: true });
  const out = JSON.stringify([
    db.prepare('SELECT * FROM customers ORDER BY id').all(),
    db.prepare('SELECT * FROM orders ORDER BY id').all(),
  ]);
  db.close();
  return out;
};

describe('SQLite backups and restores', () => {
  it('backs up online, restores by swapping the file and keeps the old one', async () => {
    const path = join(work, 'app.db');
    shop(path);
    const adapter = createSqliteAdapter({ path });
    const good = contents(path);
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'b1') });
    expect(result.manifest.rowCounts).toEqual({ customers: 2, orders: 3 });
    expect((await adapter.verify(result.path, result.sha256)).every((c) => c.ok)).toBe(true);

    const writer = new Database(path);
    writer.exec(`UPDATE customers SET name = 'BROKEN'; DELETE FROM orders WHERE amount > 15`);
    writer.close();
    const bad = contents(path);
    const message = await adapter.restore(result.path, {});
    expect(contents(path)).toBe(good);
    const kept = readdirSync(work).find(
      (f) => f.startsWith('app.db.before-restore-') && !f.endsWith('-wal') && !f.endsWith('-shm'),
    );
    expect(kept).toBeDefined();
    expect(message).toContain(kept);
    expect(contents(join(work, kept as string))).toBe(bad);
    const checks = await adapter.validate({ tables: ['customers', 'orders'], rowCounts: result.manifest.rowCounts });
    expect(checks.every((c) => c.ok)).toBe(true);
    await adapter.close();
  });

  it('refuses a corrupted backup and finds a broken foreign key', async () => {
    const path = join(work, 'corrupt.db');
    shop(path);
    const adapter = createSqliteAdapter({ path });
    const result = await adapter.backup({ kind: 'full', dir: join(work, 'b2') });
    const file = join(result.path, 'database.sqlite');
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    expect((await adapter.verify(result.path)).some((c) => !c.ok)).toBe(true);
    const before = contents(path);
    await expect(adapter.restore(result.path, {})).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(contents(path)).toBe(before);
    expect(readdirSync(work).some((f) => f.startsWith('corrupt.db.before-restore-'))).toBe(false);

    const raw = new Database(path);
    raw.pragma('foreign_keys = OFF');
    raw.exec('INSERT INTO orders (customer_id, amount) VALUES (77, 1)');
    raw.close();
    const checks = await adapter.validate();
    expect(checks.find((c) => c.name === 'foreign keys')).toMatchObject({
      ok: false,
      detail: '1 rows without parent: orders→customers',
    });
    expect(adapter.capabilities.readOnly).toBe(false);
    await expect(adapter.setReadOnly(true)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await adapter.close();
    expect(existsSync(path)).toBe(true);
  });

  it('runs the guarded restore use case without a read-only mode (capability off)', async () => {
    const path = join(work, 'guarded.db');
    shop(path);
    const store = createSqliteStore({ path: join(work, 'state.db') });
    const adapter = createSqliteAdapter({ path, name: 'guarded' });
    const deps = { adapter, store, clock: systemClock, dir: join(work, 'catalog') };
    try {
      const good = contents(path);
      const backup = await takeBackup(deps);
      const writer = new Database(path);
      writer.exec(`DELETE FROM orders`);
      writer.close();
      const result = await restoreBackup(deps, backup.id);
      expect(result.checks.every((c) => c.ok)).toBe(true);
      expect(contents(path)).toBe(good);
      await expect(restoreBackup(deps, backup.id, { tables: ['orders'] })).rejects.toMatchObject({
        code: 'NOT_SUPPORTED',
      });
    } finally {
      await adapter.close();
      await store.close();
    }
  });
});
