import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { BackupManifest, BackupResult, DatabaseAdapter } from '../../core/ports/database.js';
import { describeFiles, ensureEmptyDir, writeManifest } from '../shared/manifest.js';
import { runProcess } from '../shared/run-process.js';
import { countRows, listTables, resolveTables } from './catalog.js';
import { ident, type PgConnection } from './connection.js';

type BackupOptions = Parameters<DatabaseAdapter['backup']>[0];

/** The dump lives in `<backup dir>/dump`, the manifest beside it. */
export const DUMP_DIR = 'dump';

/**
 * pg_dump in directory format (`-Fd -j jobs`) under an exported snapshot, while
 * the same snapshot counts the rows: the counts in the manifest are exactly the
 * rows in the dump, and counting overlaps the dump instead of
 * adding to it.
 */
export async function pgBackup(
  conn: PgConnection,
  pgDump: string,
  jobs: number,
  options: BackupOptions,
): Promise<BackupResult> {
  const startedAt = Date.now();
  await ensureEmptyDir(options.dir);
  const client = await conn.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // pg_dump's workers already use the cores: a parallel count would only add coordination
    await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]?.s as string;
    const version =
      (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'unknown';
    if (options.kind === 'tables' && !options.tables?.length)
      throw new UserError('NO_TABLES', 'a tables backup needs at least one --table');
    const tables =
      options.kind === 'tables' ? await resolveTables(client, options.tables ?? []) : await listTables(client);
    const schemaVersion = options.schemaVersion !== undefined ? options.schemaVersion : await readHead(client);
    const args = [
      '-Fd',
      '-f',
      join(options.dir, DUMP_DIR),
      '-j',
      String(jobs),
      '--no-password',
      `--snapshot=${snapshot}`,
    ];
    if (options.kind === 'schema') args.push('--schema-only');
    for (const t of options.kind === 'tables' ? tables : []) args.push('-t', `${ident(t.schema)}.${ident(t.table)}`);
    const [rowCounts] = await Promise.all([
      options.kind === 'schema' ? Promise.resolve({}) : countRows(client, tables),
      runProcess(pgDump, args, { env: conn.env, redact: conn.redact, errorCode: 'BACKUP_FAILED' }),
    ]);
    await client.query('COMMIT');
    const files = await describeFiles(options.dir);
    const manifest: BackupManifest = {
      engine: 'postgres',
      engineVersion: version,
      kind: options.kind,
      database: conn.database,
      tables: tables.map((t) => t.name),
      rowCounts,
      files,
      startedAt,
      durationMs: Date.now() - startedAt,
      schemaVersion,
      guards: options.guards ?? null,
    };
    const { sha256, sizeBytes } = await writeManifest(options.dir, manifest);
    return { kind: options.kind, tables: manifest.tables, path: options.dir, sizeBytes, sha256, manifest };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError('BACKUP_FAILED', `backup of ${conn.database} failed: ${conn.redact((error as Error).message)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The migration head Rewind recorded, when its table exists. */
async function readHead(client: Awaited<ReturnType<PgConnection['connect']>>): Promise<string | null> {
  const exists = await client.query(`SELECT to_regclass('public.rewind_schema_migrations') IS NOT NULL AS ok`);
  if (!exists.rows[0]?.ok) return null;
  const { rows } = await client.query<{ version: string }>('SELECT version FROM public.rewind_schema_migrations');
  const versions = rows.map((r) => r.version).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return versions.at(-1) ?? null;
}
