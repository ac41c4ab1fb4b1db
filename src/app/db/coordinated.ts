import { ExitCode, UserError, errorMessage } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import type { DatabasePlan } from '../../core/planner.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { databaseFor } from './database-for.js';
import { applyRetention, PRE_MIGRATE, preMigrationBackup } from './retention.js';
import { takeBackup } from './take-backup.js';

/**
 * `rewind deploy --migrate`: a backup of the database guarding the
 * new release, then every pending up migration, then the schema version the
 * release needs is recorded on it. Runs before the release starts, so a failed
 * migration means the release never gets traffic.
 */
export async function migrateForRelease(
  ctx: AppContext,
  release: Release,
  actor: string,
  log: (line: string) => void = () => undefined,
): Promise<Release> {
  const db = databaseFor(ctx, assertMigratable(ctx, release.service));
  const deps = db.deps({ actor, emit: (e) => log(e.message) });
  const before = await db.adapter.migrationStatus(db.migrationsDir);
  const applied = new Set(before.applied);
  const pending = before.available.filter((m) => !applied.has(m.version));
  // a migration tool run by command reports only its version: whether anything is pending is its business
  if (pending.length > 0 || db.adapter.capabilities.opaqueMigrations) {
    const guards = { service: release.service, environment: release.environment, revision: release.revision };
    const backup = await takeBackup(deps, {
      kind: 'full',
      guards,
      schemaVersion: before.current,
      purpose: PRE_MIGRATE,
    });
    log(`pre-migration backup ${backup.id} of ${db.name} (schema ${before.current ?? 'empty'})`);
    const done = await db.adapter.migrateUp(db.migrationsDir);
    await ctx.emit({
      type: 'database.migrated',
      service: release.service,
      environment: release.environment,
      revision: release.revision,
      actor,
      message: `database ${db.name} migrated up for ${release.service} ${release.version}: ${ctx.redact(done.join(', '))}`,
      data: { database: db.name, from: before.current, applied: done, backupId: backup.id },
    });
    await applyRetention(ctx, db, actor);
  }
  const after = await db.adapter.migrationStatus(db.migrationsDir);
  return ctx.store.updateRelease(release.id, { schemaVersion: after.current }, ctx.clock.now());
}

/** The database `deploy --migrate` migrates; a usage error when the service has none. */
export function assertMigratable(ctx: AppContext, service: string): string {
  const dbName = serviceConfig(ctx, service).database;
  if (!dbName)
    throw new UserError(
      'NO_DATABASE',
      `service "${service}" has no \`database\` in ${ctx.loaded.file}; --migrate needs one`,
      { exitCode: ExitCode.usage, status: 400 },
    );
  return dbName;
}

/**
 * The database part of an undo: none when the service has no
 * database, the target release never recorded a schema version, or the
 * database is already at it. Otherwise migrate-down, or restore when configured
 * or when a down file is missing, from the pre-migration backup of a release
 * being rolled back.
 */
export async function planDatabase(ctx: AppContext, from: Release | null, to: Release): Promise<DatabasePlan | null> {
  const dbName = serviceConfig(ctx, to.service).database;
  if (!dbName || to.schemaVersion === null) return null;
  const db = databaseFor(ctx, dbName);
  const status = await db.adapter.migrationStatus(db.migrationsDir).catch((error: unknown) => {
    throw new UserError(
      'DATABASE_UNREACHABLE',
      `cannot read the schema version of database ${db.name} (revision ${to.revision} needs ${to.schemaVersion}): ${ctx.redact(errorMessage(error))}`,
      { status: 503 },
    );
  });
  if (status.current === to.schemaVersion) return null;
  const newer = status.applied.filter((v) => !isAtOrBefore(v, to.schemaVersion as string, status.applied));
  const missingDown = newer.filter((v) => !status.available.some((m) => m.version === v && m.hasDown));
  const base = { database: db.name, current: status.current, target: to.schemaVersion };
  if (db.config.rollback === 'migrate-down' && missingDown.length === 0)
    return { ...base, method: 'migrate-down', backupId: null };
  const backups = await ctx.store.listBackups({ database: db.name });
  const backup = preMigrationBackup(
    backups,
    {
      service: to.service,
      environment: to.environment,
      afterRevision: to.revision,
      upToRevision: from?.revision ?? Number.MAX_SAFE_INTEGER,
    },
    to.schemaVersion,
  );
  if (!backup) {
    const why =
      missingDown.length > 0
        ? `migration ${missingDown.join(', ')} has no .down.sql`
        : `databases.${db.name}.rollback is restore`;
    throw new UserError(
      'NO_DATABASE_ROLLBACK',
      `cannot put database ${db.name} back to schema ${to.schemaVersion}: ${why} and no pre-migration backup of a release after revision ${to.revision} is in the catalog — write the down file, or restore a backup by hand (rewind db backups)`,
      { status: 422 },
    );
  }
  return { ...base, method: 'restore', backupId: backup.id };
}

/** Applied versions are ordered; everything up to the target's position stays. */
function isAtOrBefore(version: string, target: string, appliedInOrder: string[]): boolean {
  const at = appliedInOrder.indexOf(target);
  return at !== -1 && appliedInOrder.indexOf(version) <= at;
}
