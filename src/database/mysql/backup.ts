import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { UserError } from '../../core/errors.js';
import type { BackupManifest, BackupResult, DatabaseAdapter, ValidationCheck } from '../../core/ports/database.js';
import { describeFiles, ensureEmptyDir, writeManifest } from '../shared/manifest.js';
import { runProcess } from '../shared/run-process.js';
import { countRows, listTables, resolveTables } from './catalog.js';
import type { MyConnection } from './connection.js';

type BackupOptions = Parameters<DatabaseAdapter['backup']>[0];

/** mysqldump writes one file; the manifest checksums it like any other. */
export const DUMP_FILE = 'dump.sql';

/**
 * `mysqldump --single-transaction`: a consistent InnoDB snapshot
 * without locking writers. Row counts are taken under their own consistent
 * snapshot just before the dump (mysqldump cannot share its snapshot).
 */
export async function myBackup(conn: MyConnection, mysqldump: string, options: BackupOptions): Promise<BackupResult> {
  const startedAt = Date.now();
  await ensureEmptyDir(options.dir);
  if (options.kind === 'tables' && !options.tables?.length)
    throw new UserError('NO_TABLES', 'a tables backup needs at least one --table');
  const facts = await conn.withClient(async (client) => {
    await client.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    const [v] = await client.query<RowDataPacket[]>('SELECT VERSION() AS v');
    const tables =
      options.kind === 'tables' ? await resolveTables(client, options.tables ?? []) : await listTables(client);
    const rowCounts = options.kind === 'schema' ? {} : await countRows(client, tables);
    let head: string | null = null;
    if (
      tables.includes('rewind_schema_migrations') ||
      (await listTables(client)).includes('rewind_schema_migrations')
    ) {
      const [rows] = await client.query<RowDataPacket[]>('SELECT version FROM rewind_schema_migrations');
      head =
        rows
          .map((r) => String(r.version))
          .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
          .at(-1) ?? null;
    }
    await client.query('COMMIT');
    return { version: String(v[0]?.v ?? 'unknown'), tables, rowCounts, head };
  });
  await conn.withOptionFile(async (cnf) => {
    const args = [
      `--defaults-extra-file=${cnf}`,
      '--single-transaction',
      '--routines',
      '--triggers',
      '--hex-blob',
      '--no-tablespaces',
      `--result-file=${join(options.dir, DUMP_FILE)}`,
    ];
    if (options.kind === 'schema') args.push('--no-data');
    args.push(conn.database, ...(options.kind === 'tables' ? facts.tables : []));
    await runProcess(mysqldump, args, { redact: conn.redact, errorCode: 'BACKUP_FAILED' });
  });
  const manifest: BackupManifest = {
    engine: 'mysql',
    engineVersion: facts.version,
    kind: options.kind,
    database: conn.database,
    tables: facts.tables,
    rowCounts: facts.rowCounts,
    files: await describeFiles(options.dir),
    startedAt,
    durationMs: Date.now() - startedAt,
    schemaVersion: options.schemaVersion !== undefined ? options.schemaVersion : facts.head,
    guards: options.guards ?? null,
  };
  const { sha256, sizeBytes } = await writeManifest(options.dir, manifest);
  return { kind: options.kind, tables: manifest.tables, path: options.dir, sizeBytes, sha256, manifest };
}

/** A dump mysqldump finished writes its header first and "Dump completed" last. */
export async function checkDumpComplete(path: string): Promise<ValidationCheck> {
  const handle = await open(join(path, DUMP_FILE), 'r').catch(() => null);
  if (!handle) return { name: 'dump complete', ok: false, detail: `${DUMP_FILE} missing` };
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(400, size));
    const tail = Buffer.alloc(Math.min(200, size));
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, Math.max(0, size - tail.length));
    const ok =
      /^-- (MariaDB|MySQL) dump/m.test(head.toString('utf8')) && tail.toString('utf8').includes('-- Dump completed');
    return {
      name: 'dump complete',
      ok,
      detail: ok ? 'header and "Dump completed" trailer present' : 'the dump is truncated or not a mysqldump file',
    };
  } finally {
    await handle.close();
  }
}
