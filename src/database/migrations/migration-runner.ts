import { isUserError, UserError } from '../../core/errors.js';
import type { MigrationStatus } from '../../core/ports/database.js';
import { findDrops, type Drop } from './destructive-sql.js';
import { compareVersions, readMigrationFiles, readSql, type MigrationFile } from './migration-files.js';

/** The table of applied versions Rewind keeps in the target database. */
export const MIGRATIONS_TABLE = 'rewind_schema_migrations';

/**
 * What each engine supplies to the shared runner. `apply` runs one file and
 * records (or forgets) its version — in one transaction where the engine has
 * transactional DDL (capability `transactionalDdl`).
 */
export interface MigrationSession {
  ensureTable(): Promise<void>;
  /** [] when the table does not exist yet */
  appliedVersions(): Promise<string[]>;
  apply(sql: string, migration: { version: string; name: string; direction: 'up' | 'down' }): Promise<void>;
  /** null when the table does not exist */
  tableHasRows(table: string): Promise<boolean | null>;
  /** null when the table or the column does not exist */
  columnHasValues(table: string, column: string): Promise<boolean | null>;
}

/**
 * Reads only: a database Rewind never migrated has no table and nothing applied.
 * `missingDir: 'report'` (what a status report wants: the recovery point and the
 * rest must still show) answers a missing directory with no files and
 * `missingDir` set; by default it is an error, since a migration cannot run.
 */
export async function migrationStatus(
  session: MigrationSession,
  dir: string | null,
  options: { missingDir?: 'error' | 'report' } = {},
): Promise<MigrationStatus> {
  const applied = (await session.appliedVersions()).sort(compareVersions);
  let files: MigrationFile[] = [];
  try {
    files = dir ? await readMigrationFiles(dir) : [];
  } catch (error) {
    if (!(options.missingDir === 'report' && isUserError(error) && error.code === 'MIGRATIONS_NOT_FOUND')) throw error;
    return { current: applied.at(-1) ?? null, applied, available: [], missingDir: dir as string };
  }
  return {
    current: applied.at(-1) ?? null,
    applied,
    available: files.map((f) => ({ version: f.version, name: f.name, hasDown: f.downPath !== null })),
  };
}

/** Applies pending `.up.sql` files in version order, up to `toVersion` when given. */
export async function migrateUp(session: MigrationSession, dir: string, toVersion?: string): Promise<string[]> {
  await session.ensureTable();
  const files = await readMigrationFiles(dir);
  if (toVersion !== undefined && !files.some((f) => f.version === toVersion)) {
    throw new UserError('UNKNOWN_VERSION', `no migration ${toVersion} in ${dir}`);
  }
  const applied = new Set(await session.appliedVersions());
  const done: string[] = [];
  for (const file of files) {
    if (toVersion !== undefined && compareVersions(file.version, toVersion) > 0) break;
    if (applied.has(file.version)) continue;
    if (!file.upPath)
      throw new UserError('MIGRATION_MISSING_UP', `migration ${file.version}_${file.name} has no .up.sql file`);
    await session.apply(await readSql(file.upPath), { version: file.version, name: file.name, direction: 'up' });
    done.push(`${file.version}_${file.name}`);
  }
  return done;
}

export interface DownOptions {
  dryRun: boolean;
  allowDataLoss: boolean;
}

interface PlannedDown {
  file: MigrationFile;
  sql: string;
  drops: Drop[];
}

/**
 * Runs the `.down.sql` files of every applied version newer than `toVersion`,
 * newest first. Every DROP TABLE / DROP COLUMN of every step is checked against
 * the live data BEFORE the first step runs, so a refusal changes nothing. A dry
 * run returns the SQL after the same checks. Returns one entry per step:
 * `-- <version>_<name>.down.sql` followed by its SQL.
 */
export async function migrateDown(
  session: MigrationSession,
  dir: string,
  asked: string,
  options: DownOptions,
): Promise<string[]> {
  await session.ensureTable();
  const files = await readMigrationFiles(dir);
  const applied = (await session.appliedVersions()).sort(compareVersions);
  // `--to 3` means the version numbered 3, whatever its zero padding on disk (`003_…`)
  const same = (version: string) =>
    version === asked || (/^\d+$/.test(version) && /^\d+$/.test(asked) && Number(version) === Number(asked));
  const toVersion = files.find((f) => same(f.version))?.version ?? applied.find(same) ?? asked;
  const isBase = toVersion === '' || (/^\d+$/.test(toVersion) && Number(toVersion) === 0);
  if (!isBase && !files.some((f) => f.version === toVersion) && !applied.includes(toVersion)) {
    throw new UserError(
      'UNKNOWN_VERSION',
      `no migration ${toVersion} in ${dir} — use a version listed by \`rewind db status\`, or 0 for none`,
    );
  }
  const newer = applied.filter((v) => isBase || compareVersions(v, toVersion) > 0).reverse();
  const plan: PlannedDown[] = [];
  for (const version of newer) {
    const file = files.find((f) => f.version === version);
    if (!file?.downPath) {
      throw new UserError(
        'MIGRATION_MISSING_DOWN',
        `applied migration ${version} has no .down.sql file in ${dir} — write one or roll back by restoring a backup`,
      );
    }
    const sql = await readSql(file.downPath);
    plan.push({ file, sql, drops: findDrops(sql) });
  }
  const steps = plan.map((p) => `-- ${p.file.version}_${p.file.name}.down.sql\n${p.sql.trim()}`);
  const losses = await findDataLoss(session, plan);
  if (losses.length > 0 && !options.allowDataLoss) {
    // the SQL is shown either way: a refused run is when people most need to read it
    throw new UserError(
      'DATA_LOSS',
      `migrating down to ${toVersion} would destroy data: ${losses.join('; ')} — back it up and pass --allow-data-loss to go ahead\nthe SQL it would run:\n${steps.join('\n')}`,
      { details: { losses, steps } },
    );
  }
  if (options.dryRun) return steps;
  for (const step of plan) {
    await session.apply(step.sql, { version: step.file.version, name: step.file.name, direction: 'down' });
  }
  return steps;
}

async function findDataLoss(session: MigrationSession, plan: PlannedDown[]): Promise<string[]> {
  const losses: string[] = [];
  for (const step of plan) {
    const where = `${step.file.version}_${step.file.name}.down.sql`;
    for (const drop of step.drops) {
      if (drop.kind === 'table') {
        if (await session.tableHasRows(drop.table)) losses.push(`${where} drops table ${drop.table}, which has rows`);
      } else if (await session.columnHasValues(drop.table, drop.column)) {
        losses.push(`${where} drops column ${drop.table}.${drop.column}, which holds non-null values`);
      }
    }
  }
  return losses;
}
