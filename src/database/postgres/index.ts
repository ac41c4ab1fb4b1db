import type { DatabaseAdapter, DatabaseStatus } from '../../core/ports/database.js';
import { UserError } from '../../core/errors.js';
import { migrateDown, migrateUp, migrationStatus } from '../migrations/migration-runner.js';
import { requireBinary, postgresBinDirs } from '../shared/binaries.js';
import { assertChecks, checkFiles, readManifest } from '../shared/manifest.js';
import { runProcess } from '../shared/run-process.js';
import { DUMP_DIR, pgBackup } from './backup.js';
import { createPgConnection, ident } from './connection.js';
import { createPgMigrationSession } from './migration-session.js';
import { restoreTables, restoreWhole } from './restore.js';
import { pgDropScratchCopies, pgRestoreToScratch } from './scratch.js';
import { pgValidate } from './validate.js';
import { join } from 'node:path';

/** Options of {@link createPostgresAdapter}. */
export interface PostgresAdapterOptions {
  /** postgres://user:password@host:port/database — the password never appears in output */
  url: string;
  /** the logical name in the backup catalog; default: the database name from the URL */
  name?: string;
  /** an extra redactor (the app's, knowing every configured secret) applied to all output; default none */
  redact?: (text: string) => string;
  /** parallel jobs for pg_dump/pg_restore; default 2 */
  jobs?: number;
  /** migrations directory used by `status()` to list available versions; default none */
  migrationsDir?: string;
  /** where to look for pg_dump/pg_restore/psql after PATH; default /usr/lib/postgresql/<newest>/bin… */
  binDirs?: string[];
}

/**
 * The PostgreSQL DatabaseAdapter: pg_dump directory-format backups
 * with a checksummed manifest, full or per-table restores, read-only mode,
 * `sql` migrations and catalog-driven validation.
 */
export function createPostgresAdapter(options: PostgresAdapterOptions): DatabaseAdapter {
  const conn = createPgConnection(options.url, options.redact);
  const jobs = Math.max(1, Math.floor(options.jobs ?? 2));
  const dirs = options.binDirs ?? postgresBinDirs();
  const hint = 'install postgresql-client';
  const bin = (name: string): string => requireBinary([name], dirs, hint);
  const session = createPgMigrationSession(conn);

  return {
    engine: 'postgres',
    name: options.name ?? conn.database,
    capabilities: {
      parallelBackup: true,
      tableRestore: true,
      schemaBackup: true,
      readOnly: true,
      transactionalDdl: true,
    },
    // libpq tools and node-postgres read PGOPTIONS: the same override Rewind's own sessions use
    writerEnv: { PGOPTIONS: '-c default_transaction_read_only=off' },

    backup: (backupOptions) => pgBackup(conn, bin('pg_dump'), jobs, backupOptions),

    async verify(path, expectedSha256) {
      const { manifest, checks } = await checkFiles(path, expectedSha256);
      if (!manifest) return checks;
      try {
        const { stdout } = await runProcess(bin('pg_restore'), ['-l', join(path, DUMP_DIR)], { redact: conn.redact });
        const entries = stdout.split('\n').filter((l) => /^\d+;/.test(l)).length;
        checks.push({ name: 'pg_restore -l', ok: true, detail: `table of contents readable (${entries} entries)` });
      } catch (error) {
        checks.push({ name: 'pg_restore -l', ok: false, detail: (error as Error).message });
      }
      return checks;
    },

    async restore(path, restoreOptions) {
      const { manifest, checks } = await checkFiles(path);
      assertChecks(path, checks);
      if (!manifest) throw new UserError('BACKUP_CORRUPT', `backup ${path} has no manifest`);
      if (manifest.engine !== 'postgres')
        throw new UserError('WRONG_ENGINE', `backup ${path} is a ${manifest.engine} backup, not postgres`);
      const binaries = { pgRestore: bin('pg_restore'), psql: bin('psql') };
      const request = {
        path,
        manifest,
        tables: restoreOptions.tables ?? [],
        quarantineSuffix: restoreOptions.quarantineSuffix,
        jobs,
      };
      // a tables backup is always restored table by table: it must not --clean the rest
      if (request.tables.length > 0 || manifest.kind === 'tables') {
        return restoreTables(conn, binaries, {
          ...request,
          tables: request.tables.length > 0 ? request.tables : manifest.tables,
        });
      }
      return restoreWhole(conn, binaries, request);
    },

    async restoreToScratch(path, scratchOptions) {
      // the caller checked the checksums just before (verify): hashing every file twice doubles the cost
      const manifest = await readManifest(path);
      const request = { path, manifest, queries: scratchOptions.queries ?? [] };
      return pgRestoreToScratch(conn, bin('pg_restore'), jobs, request);
    },
    dropScratchCopies: () => pgDropScratchCopies(conn),

    /**
     * the database default changes, then every other session of this
     * database is terminated so reconnecting clients pick the new default up.
     * Rewind's own sessions override the default (see connection.ts).
     */
    setReadOnly: (on) =>
      conn.withClient(async (client) => {
        await client.query(
          `ALTER DATABASE ${ident(conn.database)} SET default_transaction_read_only = ${on ? 'on' : 'off'}`,
        );
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
      }),

    async status(): Promise<DatabaseStatus> {
      const base = await conn.withClient(async (client) => {
        const { rows } = await client.query<{ version: string; connections: string; max: string; ro: boolean }>(
          `SELECT current_setting('server_version') AS version,
                  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS connections,
                  current_setting('max_connections') AS max,
                  EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                           WHERE d.datname = current_database() AND s.setrole = 0
                             AND 'default_transaction_read_only=on' = ANY (s.setconfig)) AS ro`,
        );
        return rows[0] as { version: string; connections: string; max: string; ro: boolean };
      });
      return {
        engine: 'postgres',
        engineVersion: base.version,
        connections: Number(base.connections),
        maxConnections: Number(base.max),
        readOnly: base.ro,
        migration: await migrationStatus(session, options.migrationsDir ?? null, { missingDir: 'report' }),
      };
    },

    migrationStatus: (dir) => migrationStatus(session, dir),
    migrateUp: (dir, toVersion) => migrateUp(session, dir, toVersion),
    migrateDown: (dir, toVersion, downOptions) => migrateDown(session, dir, toVersion, downOptions),
    validate: (expected) => conn.withClient((client) => pgValidate(client, expected)),
    close: async () => {},
  };
}
