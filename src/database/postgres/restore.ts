import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { BackupManifest } from '../../core/ports/database.js';
import { quarantineName } from '../shared/identifiers.js';
import { runProcess } from '../shared/run-process.js';
import { DUMP_DIR } from './backup.js';
import { listForeignKeys, listTables, orphanQuery, tableRef, type PgTable } from './catalog.js';
import { literal, type PgConnection } from './connection.js';

export interface PgBinaries {
  pgRestore: string;
  psql: string;
}

export interface PgRestoreRequest {
  path: string;
  manifest: BackupManifest;
  tables: string[];
  quarantineSuffix?: string;
  jobs: number;
}

/**
 * Full or schema restore: `pg_restore --clean --if-exists`. With one job it runs
 * in a single transaction (all or nothing); with several it runs in parallel and
 * the use case's safety backup is what undoes a failure midway.
 */
export async function restoreWhole(conn: PgConnection, bin: PgBinaries, request: PgRestoreRequest): Promise<string> {
  const quarantined = request.quarantineSuffix
    ? await quarantineExisting(conn, request.manifest.tables, request.quarantineSuffix)
    : [];
  const args = ['--clean', '--if-exists', '--exit-on-error', '--no-password', '-d', conn.database];
  if (request.jobs > 1) args.push('-j', String(request.jobs));
  else args.push('--single-transaction');
  args.push(join(request.path, DUMP_DIR));
  await runProcess(bin.pgRestore, args, { env: conn.env, redact: conn.redact, errorCode: 'RESTORE_FAILED' });
  const what = request.manifest.kind === 'schema' ? 'schema' : `${request.manifest.tables.length} tables`;
  return `restored ${what} of ${conn.database} from ${request.path}${quarantined.length ? `; previous rows kept in ${quarantined.join(', ')}` : ''}`;
}

async function quarantineExisting(conn: PgConnection, names: string[], suffix: string): Promise<string[]> {
  return conn.withClient(async (client) => {
    const existing = new Set((await listTables(client)).map((t) => t.name));
    const kept: string[] = [];
    await client.query('BEGIN');
    for (const name of names.filter((n) => existing.has(n))) {
      const q = tableRef(quarantineName(name, suffix));
      await client.query(`CREATE TABLE IF NOT EXISTS ${q.quoted} AS TABLE ${tableRef(name).quoted}`);
      kept.push(q.name);
    }
    await client.query('COMMIT');
    return kept;
  });
}

/**
 * Restores only the named tables, in ONE transaction through psql:
 * keep the current rows in `<table>_quarantine_<suffix>`, empty the tables,
 * load the dump's data (pg_restore --data-only of just those TOC entries), then
 * check every foreign key touching them before COMMIT. Foreign-key and user
 * triggers are off for the transaction (session_replication_role = replica) so
 * no cascade reaches another table: every other table is left untouched, and
 * any failure rolls the whole thing back.
 */
export async function restoreTables(conn: PgConnection, bin: PgBinaries, request: PgRestoreRequest): Promise<string> {
  if (request.manifest.kind === 'schema')
    throw new UserError('NO_DATA_IN_BACKUP', 'a schema-only backup holds no rows to restore tables from');
  const targets = request.tables.map((name) => {
    const t = tableRef(name);
    if (!request.manifest.tables.includes(t.name)) {
      throw new UserError(
        'TABLE_NOT_IN_BACKUP',
        `table ${name} is not in backup ${request.path} (it holds: ${request.manifest.tables.join(', ')})`,
      );
    }
    return t;
  });
  const work = await mkdtemp(join(tmpdir(), 'rewind-restore-'));
  try {
    const dump = join(request.path, DUMP_DIR);
    const toc = await runProcess(bin.pgRestore, ['-l', dump], { redact: conn.redact, errorCode: 'RESTORE_FAILED' });
    const wanted = new Set(targets.map((t) => `${t.schema} ${t.table}`));
    const lines = toc.stdout.split('\n').filter((line) => {
      const m = / TABLE DATA (\S+) (\S+) /.exec(line);
      return m !== null && wanted.has(`${m[1]} ${m[2]}`);
    });
    await writeFile(join(work, 'list'), `${lines.join('\n')}\n`);
    const dataSql = join(work, 'data.sql');
    await runProcess(bin.pgRestore, ['--data-only', '-L', join(work, 'list'), '-f', dataSql, dump], {
      redact: conn.redact,
      errorCode: 'RESTORE_FAILED',
    });
    const fks = await conn.withClient((client) => listForeignKeys(client));
    const names = new Set(targets.map((t) => t.name));
    const touching = fks.filter((fk) => names.has(fk.child.name) || names.has(fk.parent.name));
    // TRUNCATE refuses tables another table references; those are emptied with DELETE
    const referencedFromOutside = new Set(
      fks.filter((fk) => names.has(fk.parent.name) && !names.has(fk.child.name)).map((fk) => fk.parent.name),
    );
    const prelude = [
      'BEGIN;',
      'SET LOCAL session_replication_role = replica;',
      ...(request.quarantineSuffix
        ? targets.map(
            (t) =>
              `CREATE TABLE IF NOT EXISTS ${tableRef(quarantineName(t.name, request.quarantineSuffix as string)).quoted} AS TABLE ${t.quoted};`,
          )
        : []),
      ...targets.map((t: PgTable) =>
        referencedFromOutside.has(t.name) ? `DELETE FROM ${t.quoted};` : `TRUNCATE ONLY ${t.quoted};`,
      ),
      '',
    ].join('\n');
    const postlude = [
      '',
      'SET LOCAL session_replication_role = origin;',
      ...touching.map(
        (fk) =>
          `DO $rewind$ DECLARE n bigint; BEGIN ${orphanQuery(fk).replace('SELECT count(*) AS n', 'SELECT count(*) INTO n')}; ` +
          `IF n > 0 THEN RAISE EXCEPTION 'restore would break foreign key %: % rows of % have no match in %', ${literal(fk.name)}, n, ${literal(fk.child.name)}, ${literal(fk.parent.name)}; END IF; END $rewind$;`,
      ),
      'COMMIT;',
      '',
    ].join('\n');
    await writeFile(join(work, 'prelude.sql'), prelude);
    await writeFile(join(work, 'postlude.sql'), postlude);
    const args = [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '--no-password',
      '-d',
      conn.database,
      '-f',
      join(work, 'prelude.sql'),
      '-f',
      dataSql,
      '-f',
      join(work, 'postlude.sql'),
    ];
    await runProcess(bin.psql, args, { env: conn.env, redact: conn.redact, errorCode: 'RESTORE_FAILED' });
    const kept = request.quarantineSuffix
      ? `; previous rows kept in ${targets.map((t) => tableRef(quarantineName(t.name, request.quarantineSuffix as string)).name).join(', ')}`
      : '';
    return `restored ${targets.map((t) => t.name).join(', ')} of ${conn.database} from ${request.path} in one transaction${kept}`;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
