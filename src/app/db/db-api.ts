import type { Backup, BackupKind } from '../../core/model.js';
import type { MigrationStatus, ValidationCheck } from '../../core/ports/database.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { DataLossWindow, RecoveryPoint, Verification } from '../../core/recovery-point.js';
import { latestVerified, verificationOf } from '../../core/recovery-point.js';
import type { AppContext } from '../context.js';
import { databaseFor } from './database-for.js';
import type { DbEvent } from './deps.js';
import { expectedTables } from './expected-tables.js';
import { migrateDown } from './migrate-down.js';
import { restoreBackup } from './restore-backup.js';
import { recoveryPointOf } from './rpo-watch.js';
import { applyRetention } from './retention.js';
import { takeBackup } from './take-backup.js';
import { listBackups, verifyBackup } from './verify-backup.js';

/** A catalog entry as the CLI and API show it (`--json`: stable field names). */
export interface BackupView {
  id: string;
  database: string;
  kind: BackupKind;
  tables: string[];
  sizeBytes: number;
  sha256: string;
  path: string;
  createdAt: number;
  schemaVersion: string | null;
  purpose: string;
  /** the release it guards, when taken for a deploy */
  guards: { service: string; environment: string; revision: number } | null;
  /** whether it was shown to restore: passed, failed or pending */
  verification: Verification;
}

export interface DbStatusView {
  database: string;
  engine: string;
  engineVersion: string;
  readOnly: boolean;
  connections: number;
  maxConnections: number;
  /** `missingDir`: the migrations directory, when it does not exist (the rest of the status still answers) */
  migration: Omit<MigrationStatus, 'missingDir'> & { pending: string[]; missingDir: string | null };
  /** the recovery point: the newest verified backup's age against `backups.rpo` */
  backups: { count: number; latest: BackupView | null } & RecoveryPoint;
}

export interface Who {
  database?: string;
  actor?: string;
  /** progress lines (in-process only; over HTTP the answer comes at the end) */
  progress?: (event: DbEvent) => void;
}

/** The `rewind db` use cases as one object: served by the controller, or run in-process. */
export interface DbApi {
  status(who: Who): Promise<DbStatusView>;
  backup(who: Who, request: { kind?: BackupKind; tables?: string[] }): Promise<BackupView & { pruned: string[] }>;
  backups(who: Who): Promise<BackupView[]>;
  verify(who: Who, id: string): Promise<{ id: string; ok: boolean; checks: ValidationCheck[] }>;
  restore(
    who: Who,
    id: string,
    request: { tables?: string[]; quarantine?: boolean },
  ): Promise<{
    outcome: 'restored';
    backup: BackupView;
    safety: BackupView;
    message: string;
    checks: ValidationCheck[];
    quarantineSuffix: string | null;
    dataLossWindow: DataLossWindow;
  }>;
  migrateDown(
    who: Who,
    request: { to: string; dryRun?: boolean; allowDataLoss?: boolean },
  ): Promise<{
    database: string;
    dryRun: boolean;
    from: string | null;
    to: string;
    steps: string[];
    backup: BackupView | null;
  }>;
  /** `expectedFrom`: the backup whose manifest named the tables that must exist (newest full/schema backup at the current schema version) */
  validate(
    who: Who,
  ): Promise<{ database: string; ok: boolean; checks: ValidationCheck[]; expectedFrom: string | null }>;
  readOnly(who: Who, on: boolean): Promise<{ database: string; readOnly: boolean }>;
}

export function backupView(backup: Backup): BackupView {
  const { manifest } = backup;
  return {
    id: backup.id,
    database: backup.database,
    kind: backup.kind,
    tables: backup.tables,
    sizeBytes: backup.sizeBytes,
    sha256: backup.sha256,
    path: backup.path,
    createdAt: backup.createdAt,
    schemaVersion: (manifest.schemaVersion as string | null | undefined) ?? null,
    purpose: typeof manifest.purpose === 'string' ? manifest.purpose : 'manual',
    guards:
      backup.service && backup.environment && backup.revision !== null
        ? { service: backup.service, environment: backup.environment, revision: backup.revision }
        : null,
    verification: verificationOf(backup),
  };
}

/** `<table>_quarantine_<utc yyyymmddhhmmss>`: sortable, and short enough for PostgreSQL's 63-character names. */
export function quarantineSuffix(now: number): string {
  return new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** `rewind db restore latest`: the newest backup that passed verification by restore. */
export const LATEST = 'latest';

async function latestVerifiedId(ctx: AppContext, database: string): Promise<string> {
  const backup = latestVerified(await ctx.store.listBackups({ database }));
  if (!backup)
    throw new UserError(
      'NO_VERIFIED_BACKUP',
      `database ${database} has no verified backup — \`latest\` means the newest backup that passed verification; see \`rewind db backups\``,
      { status: 404 },
    );
  return backup.id;
}

export function createDbApi(ctx: AppContext): DbApi {
  const open = (who: Who) => {
    const db = databaseFor(ctx, who.database);
    return {
      db,
      deps: db.deps({ ...(who.progress ? { emit: who.progress } : {}), ...(who.actor ? { actor: who.actor } : {}) }),
    };
  };
  return {
    async status(who) {
      const { db } = open(who);
      const status = await db.adapter.status();
      const applied = new Set(status.migration.applied);
      const backups = await ctx.store.listBackups({ database: db.name });
      return {
        database: db.name,
        ...status,
        migration: {
          ...status.migration,
          pending: status.migration.available.filter((m) => !applied.has(m.version)).map((m) => m.version),
          missingDir: status.migration.missingDir ?? null,
        },
        backups: {
          count: backups.length,
          latest: backups[0] ? backupView(backups[0]) : null,
          ...(await recoveryPointOf(ctx, db.name)),
        },
      };
    },
    async backup(who, request) {
      const { db, deps } = open(who);
      const tables = request.tables ?? [];
      const kind: BackupKind = request.kind ?? (tables.length > 0 ? 'tables' : 'full');
      if (kind === 'schema' && tables.length > 0)
        throw new UserError('BAD_USAGE', '--schema-only and --table cannot be combined', { exitCode: ExitCode.usage });
      const backup = await takeBackup(deps, { kind, tables, purpose: 'manual' });
      const { deleted } = await applyRetention(ctx, db, who.actor);
      return { ...backupView(backup), pruned: deleted };
    },
    async backups(who) {
      const { deps } = open(who);
      return (await listBackups(deps)).map(backupView);
    },
    async verify(who, id) {
      const { deps } = open(who);
      const result = await verifyBackup(deps, id);
      return { id, ok: result.ok, checks: result.checks };
    },
    async restore(who, requested, request) {
      const { deps } = open(who);
      const id = requested === LATEST ? await latestVerifiedId(ctx, deps.adapter.name) : requested;
      const suffix = request.quarantine ? quarantineSuffix(ctx.clock.now()) : null;
      const result = await restoreBackup(deps, id, {
        ...(request.tables?.length ? { tables: request.tables } : {}),
        ...(suffix ? { quarantineSuffix: suffix } : {}),
      });
      return {
        outcome: result.outcome,
        backup: backupView(result.backup),
        safety: backupView(result.safety),
        message: result.message,
        checks: result.checks,
        quarantineSuffix: suffix,
        dataLossWindow: result.dataLossWindow,
      };
    },
    async migrateDown(who, request) {
      const { db, deps } = open(who);
      const result = await migrateDown(deps, {
        migrationsDir: db.migrationsDir,
        toVersion: request.to,
        dryRun: request.dryRun ?? false,
        allowDataLoss: request.allowDataLoss ?? false,
      });
      return {
        database: db.name,
        dryRun: result.dryRun,
        from: result.from,
        to: result.to,
        steps: result.steps,
        backup: result.backup ? backupView(result.backup) : null,
      };
    },
    async validate(who) {
      const { db } = open(who);
      const { current } = await db.adapter.migrationStatus(db.migrationsDir);
      const expected = await expectedTables(ctx, db, current);
      const checks = await db.adapter.validate({ tables: expected.tables });
      return { database: db.name, ok: checks.every((c) => c.ok), checks, expectedFrom: expected.from };
    },
    async readOnly(who, on) {
      const { db } = open(who);
      if (!db.adapter.capabilities.readOnly) {
        throw new UserError(
          'NOT_SUPPORTED',
          `${db.adapter.engine} has no server-side read-only mode; stop the writers instead`,
          { exitCode: ExitCode.failed },
        );
      }
      await db.adapter.setReadOnly(on);
      await ctx.emit({
        type: on ? 'database.read-only' : 'database.read-write',
        actor: who.actor ?? 'rewind',
        message: `database ${db.name}: writes ${on ? 'stopped (read-only)' : 'allowed again'}`,
        data: { database: db.name },
      });
      return { database: db.name, readOnly: on };
    },
  };
}
