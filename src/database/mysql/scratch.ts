import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import type { BackupManifest, ScratchRestore, ValidationCheck, ValidationQuery } from '../../core/ports/database.js';
import { runProcess } from '../shared/run-process.js';
import {
  expectationsOf,
  queryCheck,
  queryFailed,
  restoreFailed,
  scratchName,
  scratchPrefix,
} from '../shared/scratch.js';
import { DUMP_FILE } from './backup.js';
import { tick, type MyConnection } from './connection.js';
import { myValidate } from './validate.js';

/**
 * Verification by restore: a temporary schema on the same server gets the dump
 * through the client (a mysqldump of one database names no database, so it
 * loads into whichever the client uses), the same validation as after a real
 * restore runs in that schema, then the schema is dropped whatever happened.
 */
export async function myRestoreToScratch(
  conn: MyConnection,
  client: string,
  request: { path: string; manifest: BackupManifest; queries: ValidationQuery[] },
): Promise<ScratchRestore> {
  const name = scratchName(conn.database);
  await conn.withClient((c) => c.query(`CREATE DATABASE ${tick(name)}`));
  try {
    const started = Date.now();
    try {
      await conn.withOptionFile((cnf) =>
        runProcess(client, [`--defaults-extra-file=${cnf}`, '--binary-mode', name], {
          stdinFile: join(request.path, DUMP_FILE),
          redact: conn.redact,
          errorCode: 'RESTORE_FAILED',
        }),
      );
    } catch (error) {
      return { restoreMs: Date.now() - started, checks: [restoreFailed(error)] };
    }
    const restoreMs = Date.now() - started;
    const checks = await conn.withClient(async (c) => {
      await c.query(`USE ${tick(name)}`);
      const found: ValidationCheck[] = await myValidate(c, expectationsOf(request.manifest));
      for (const query of request.queries) {
        found.push(
          await c.query<RowDataPacket[]>(query.sql).then(
            ([rows]) => queryCheck(query, rows[0]),
            (error: unknown) => queryFailed(query, new Error(conn.redact((error as Error).message))),
          ),
        );
      }
      return found;
    });
    return { restoreMs, checks };
  } finally {
    await conn.withClient((c) => c.query(`DROP DATABASE IF EXISTS ${tick(name)}`));
  }
}

/**
 * The scratch schemas of this database that a verification interrupted by a
 * crash left on the server (a normal end drops its own): dropped, names returned.
 */
export async function myDropScratchCopies(conn: MyConnection): Promise<string[]> {
  const prefix = scratchPrefix(conn.database);
  return conn.withClient(async (c) => {
    const [rows] = await c.query<RowDataPacket[]>(
      "SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'rewind_verify_%' ORDER BY 1",
    );
    const left = rows.map((r) => String(r.name)).filter((n) => n.startsWith(prefix));
    for (const name of left) await c.query(`DROP DATABASE IF EXISTS ${tick(name)}`);
    return left;
  });
}
