import type { RowDataPacket } from 'mysql2/promise';
import { UserError } from '../../core/errors.js';
import type { DatabaseAdapter } from '../../core/ports/database.js';
import { migrateDown, migrateUp, migrationStatus } from '../migrations/migration-runner.js';
import { requireBinary } from '../shared/binaries.js';
import { assertChecks, checkFiles, readManifest } from '../shared/manifest.js';
import { checkDumpComplete, myBackup } from './backup.js';
import { createMyConnection } from './connection.js';
import { createMyMigrationSession } from './migration-session.js';
import { restoreTables, restoreWhole } from './restore.js';
import { myDropScratchCopies, myRestoreToScratch } from './scratch.js';
import { myValidate } from './validate.js';

/** Options of {@link createMysqlAdapter}. */
export interface MysqlAdapterOptions {
  /** mysql://user:password@host:port/database — the password never appears in output */
  url: string;
  /** the logical name in the backup catalog; default: the database name from the URL */
  name?: string;
  /** an extra redactor (the app's, knowing every configured secret) applied to all output; default none */
  redact?: (text: string) => string;
  /** accepted for symmetry with PostgreSQL; mysqldump has no parallel mode (default 1) */
  jobs?: number;
  /** migrations directory used by `status()`; default none */
  migrationsDir?: string;
}

/**
 * The MySQL/MariaDB DatabaseAdapter: single-file mysqldump
 * backups, restores through the mysql/mariadb client, read_only (and MySQL's
 * super_read_only), and the validation subset: tables, row counts, foreign keys.
 */
export function createMysqlAdapter(options: MysqlAdapterOptions): DatabaseAdapter {
  const conn = createMyConnection(options.url, options.redact);
  const session = createMyMigrationSession(conn);
  const hint = 'install mariadb-client or mysql-client';
  const mysqldump = (): string => requireBinary(['mariadb-dump', 'mysqldump'], [], hint);
  const client = (): string => requireBinary(['mariadb', 'mysql'], [], hint);

  return {
    engine: 'mysql',
    name: options.name ?? conn.database,
    capabilities: {
      parallelBackup: false,
      tableRestore: true,
      schemaBackup: true,
      readOnly: true,
      transactionalDdl: false,
    },
    backup: (backupOptions) => myBackup(conn, mysqldump(), backupOptions),

    async verify(path, expectedSha256) {
      const { manifest, checks } = await checkFiles(path, expectedSha256);
      if (manifest) checks.push(await checkDumpComplete(path));
      return checks;
    },

    async restore(path, restoreOptions) {
      const { manifest, checks } = await checkFiles(path);
      if (manifest) checks.push(await checkDumpComplete(path));
      assertChecks(path, checks);
      if (!manifest) throw new UserError('BACKUP_CORRUPT', `backup ${path} has no manifest`);
      if (manifest.engine !== 'mysql')
        throw new UserError('WRONG_ENGINE', `backup ${path} is a ${manifest.engine} backup, not mysql`);
      const tables = restoreOptions.tables?.length
        ? restoreOptions.tables
        : manifest.kind === 'tables'
          ? manifest.tables
          : [];
      if (tables.length > 0) return restoreTables(conn, manifest, path, tables, restoreOptions.quarantineSuffix);
      return restoreWhole(conn, client(), manifest, path, restoreOptions.quarantineSuffix);
    },

    /** read_only stops ordinary users; super_read_only (MySQL) stops administrators too. */
    setReadOnly: (on) =>
      conn.withClient(async (c) => {
        const [vars] = await c.query<RowDataPacket[]>(`SHOW GLOBAL VARIABLES LIKE 'super_read_only'`);
        if (on) {
          await c.query('SET GLOBAL read_only = ON');
          if (vars.length > 0) await c.query('SET GLOBAL super_read_only = ON');
        } else {
          if (vars.length > 0) await c.query('SET GLOBAL super_read_only = OFF');
          await c.query('SET GLOBAL read_only = OFF');
        }
      }),

    async status() {
      const base = await conn.withClient(async (c) => {
        const [rows] = await c.query<RowDataPacket[]>(
          'SELECT VERSION() AS v, @@global.max_connections AS max, @@global.read_only AS ro',
        );
        const [threads] = await c.query<RowDataPacket[]>(`SHOW GLOBAL STATUS LIKE 'Threads_connected'`);
        return {
          version: String(rows[0]?.v),
          max: Number(rows[0]?.max),
          ro: Number(rows[0]?.ro) === 1,
          connections: Number(threads[0]?.Value ?? 0),
        };
      });
      return {
        engine: 'mysql',
        engineVersion: base.version,
        connections: base.connections,
        maxConnections: base.max,
        readOnly: base.ro,
        migration: await migrationStatus(session, options.migrationsDir ?? null, { missingDir: 'report' }),
      };
    },

    migrationStatus: (dir) => migrationStatus(session, dir),
    migrateUp: (dir, toVersion) => migrateUp(session, dir, toVersion),
    migrateDown: (dir, toVersion, downOptions) => migrateDown(session, dir, toVersion, downOptions),

    validate: (expected = {}) => conn.withClient((c) => myValidate(c, expected)),

    async restoreToScratch(path, scratchOptions) {
      // the caller checked the checksums just before (verify): hashing every file twice doubles the cost
      const manifest = await readManifest(path);
      return myRestoreToScratch(conn, client(), { path, manifest, queries: scratchOptions.queries ?? [] });
    },
    dropScratchCopies: () => myDropScratchCopies(conn),
    close: async () => {},
  };
}
