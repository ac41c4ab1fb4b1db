import { join } from 'node:path';
import pg from 'pg';
import type { BackupManifest, ScratchRestore, ValidationQuery } from '../../core/ports/database.js';
import {
  expectationsOf,
  queryCheck,
  queryFailed,
  restoreFailed,
  scratchName,
  scratchPrefix,
} from '../shared/scratch.js';
import { runProcess } from '../shared/run-process.js';
import { DUMP_DIR } from './backup.js';
import { ident, type PgConnection } from './connection.js';
import { pgValidate } from './validate.js';

/**
 * Verification by restore: a temporary database on the same server gets the
 * dump (`pg_restore --exit-on-error`, without owners or grants so any role that
 * can create a database can verify), the same validation as after a real
 * restore runs against it, then it is dropped whatever happened.
 */
export async function pgRestoreToScratch(
  conn: PgConnection,
  pgRestore: string,
  jobs: number,
  request: { path: string; manifest: BackupManifest; queries: ValidationQuery[] },
): Promise<ScratchRestore> {
  const name = scratchName(conn.database);
  await conn.withClient((client) => client.query(`CREATE DATABASE ${ident(name)}`));
  try {
    const started = Date.now();
    const args = ['--exit-on-error', '--no-owner', '--no-privileges', '--no-password', '-d', name];
    args.push(...(jobs > 1 ? ['-j', String(jobs)] : ['--single-transaction']), join(request.path, DUMP_DIR));
    try {
      await runProcess(pgRestore, args, {
        env: { ...conn.env, PGDATABASE: name },
        redact: conn.redact,
        errorCode: 'RESTORE_FAILED',
      });
    } catch (error) {
      return { restoreMs: Date.now() - started, checks: [restoreFailed(error)] };
    }
    const restoreMs = Date.now() - started;
    const url = new URL(conn.url);
    url.pathname = `/${encodeURIComponent(name)}`;
    const client = new pg.Client({ connectionString: url.toString(), application_name: 'rewind-verify' });
    client.on('error', () => {});
    await client.connect();
    try {
      const checks = await pgValidate(client, expectationsOf(request.manifest));
      for (const query of request.queries) {
        const row = await client.query<Record<string, unknown>>(query.sql).then(
          (result) => queryCheck(query, result.rows[0]),
          (error: unknown) => queryFailed(query, new Error(conn.redact((error as Error).message))),
        );
        checks.push(row);
      }
      return { restoreMs, checks };
    } finally {
      await client.end().catch(() => {});
    }
  } finally {
    await conn.withClient((client) => client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
  }
}

/**
 * The scratch databases of this database that a verification interrupted by a
 * crash left on the server (a normal end drops its own): dropped, names returned.
 */
export async function pgDropScratchCopies(conn: PgConnection): Promise<string[]> {
  const prefix = scratchPrefix(conn.database);
  return conn.withClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'rewind_verify_%' ORDER BY datname",
    );
    const left = rows.map((r) => r.datname).filter((n) => n.startsWith(prefix));
    for (const name of left) await client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    return left;
  });
}
