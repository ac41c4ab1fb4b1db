import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { UserError } from '../../core/errors.js';
import type { BackupManifest } from '../../core/ports/database.js';
import { quarantineName } from '../shared/identifiers.js';
import { runProcess } from '../shared/run-process.js';
import { DUMP_FILE } from './backup.js';
import { listForeignKeys, listTables, orphanQuery } from './catalog.js';
import { tick, type MyConnection } from './connection.js';

async function quarantine(client: mysql.Connection, tables: string[], suffix: string): Promise<string[]> {
  const existing = new Set(await listTables(client));
  const kept: string[] = [];
  for (const t of tables.filter((name) => existing.has(name))) {
    const q = quarantineName(t, suffix);
    // idempotent: a re-run must not overwrite the rows kept by the first run
    if (!existing.has(q))
      await client.query(`CREATE TABLE ${tick(q)} LIKE ${tick(t)}; INSERT INTO ${tick(q)} SELECT * FROM ${tick(t)}`);
    kept.push(q);
  }
  return kept;
}

/**
 * A whole-database restore through the `mysql`/`mariadb` client.
 * MySQL DDL is not transactional: the use case's safety backup is what undoes
 * a failure midway. `super_read_only` (MySQL only) would block even Rewind, so it
 * is lifted for the restore and put back; plain `read_only` stays on.
 */
export async function restoreWhole(
  conn: MyConnection,
  client: string,
  manifest: BackupManifest,
  path: string,
  suffix?: string,
): Promise<string> {
  const kept = suffix ? await conn.withClient((c) => quarantine(c, manifest.tables, suffix)) : [];
  const superReadOnly = await conn.withClient(async (c) => {
    const [rows] = await c.query<RowDataPacket[]>(`SHOW GLOBAL VARIABLES LIKE 'super_read_only'`);
    const on = String(rows[0]?.Value ?? 'OFF').toUpperCase() === 'ON';
    if (on) await c.query('SET GLOBAL super_read_only = OFF');
    return on;
  });
  try {
    await conn.withOptionFile((cnf) =>
      runProcess(client, [`--defaults-extra-file=${cnf}`, '--binary-mode', conn.database], {
        stdinFile: join(path, DUMP_FILE),
        redact: conn.redact,
        errorCode: 'RESTORE_FAILED',
      }),
    );
  } finally {
    if (superReadOnly) await conn.withClient((c) => c.query('SET GLOBAL super_read_only = ON'));
  }
  return `restored ${manifest.kind === 'schema' ? 'schema' : `${manifest.tables.length} tables`} of ${conn.database} from ${path}${kept.length ? `; previous rows kept in ${kept.join(', ')}` : ''}`;
}

/** The INSERT statements of the named tables, read from the dump's "Dumping data" sections. */
async function insertsFor(path: string, tables: Set<string>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>([...tables].map((t) => [t, []]));
  let current: string | null = null;
  // newer mysqldump versions spread one extended INSERT over several lines; values
  // never hold a raw newline (it is escaped), so a line ending in ';' ends it
  let statement: string | null = null;
  const lines = createInterface({ input: createReadStream(join(path, DUMP_FILE), 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (statement !== null) {
      statement += `\n${line}`;
    } else {
      const section =
        /^-- (?:Dumping data for table|Table structure for table|Dumping routines|Dumping events) `?([^`]*)`?/.exec(
          line,
        );
      if (section)
        current =
          line.startsWith('-- Dumping data') && tables.has(section[1] as string) ? (section[1] as string) : null;
      else if (current && line.startsWith('INSERT INTO ')) statement = line;
    }
    if (statement !== null && current && /;\s*$/.test(line)) {
      out.get(current)?.push(statement.replace(/;\s*$/, ''));
      statement = null;
    }
  }
  return out;
}

/**
 * Restores only the named tables in ONE InnoDB transaction: quarantine copies
 * first (DDL commits on its own), then with foreign-key checks off for this
 * session (no cascade reaches another table) empty each table, insert the
 * dump's rows, check every foreign key touching them, and COMMIT — or ROLLBACK.
 */
export async function restoreTables(
  conn: MyConnection,
  manifest: BackupManifest,
  path: string,
  tables: string[],
  suffix?: string,
): Promise<string> {
  if (manifest.kind === 'schema')
    throw new UserError('NO_DATA_IN_BACKUP', 'a schema-only backup holds no rows to restore tables from');
  for (const t of tables) {
    if (!manifest.tables.includes(t))
      throw new UserError(
        'TABLE_NOT_IN_BACKUP',
        `table ${t} is not in backup ${path} (it holds: ${manifest.tables.join(', ')})`,
      );
  }
  const inserts = await insertsFor(path, new Set(tables));
  return conn.withClient(async (client) => {
    const kept = suffix ? await quarantine(client, tables, suffix) : [];
    await client.query(
      `SET SESSION time_zone = '+00:00', SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO'), SESSION foreign_key_checks = 0`,
    );
    await client.query('START TRANSACTION');
    try {
      for (const t of tables) {
        await client.query(`DELETE FROM ${tick(t)}`);
        for (const statement of inserts.get(t) ?? []) await client.query(statement);
      }
      const names = new Set(tables);
      for (const fk of (await listForeignKeys(client)).filter((f) => names.has(f.child) || names.has(f.parent))) {
        const [rows] = await client.query<RowDataPacket[]>(orphanQuery(fk));
        const n = Number(rows[0]?.n ?? 0);
        if (n > 0)
          throw new UserError(
            'RESTORE_FAILED',
            `restore would break foreign key ${fk.name}: ${n} rows of ${fk.child} have no match in ${fk.parent} — nothing was changed`,
          );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      await client.query('SET SESSION foreign_key_checks = 1').catch(() => {});
    }
    return `restored ${tables.join(', ')} of ${conn.database} from ${path} in one transaction${kept.length ? `; previous rows kept in ${kept.join(', ')}` : ''}`;
  });
}
