import type { Command } from 'commander';
import type { BackupView, DbStatusView } from '../../app/db/db-api.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { ValidationCheck } from '../../core/ports/database.js';
import { action } from '../action.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, printLines, say, table, time } from '../output.js';
import type { DbOptions } from './db-connect.js';
import { withDb } from './db-connect.js';

type Tables = { table?: string[] };

const backupRow = (b: BackupView): (string | number | null)[] => [
  b.id,
  b.kind,
  b.tables.length,
  b.sizeBytes,
  b.schemaVersion,
  b.purpose,
  b.guards ? `${b.guards.service}/${b.guards.environment} r${b.guards.revision}` : null,
  time(b.createdAt),
  b.verification.status,
];
const BACKUP_HEADER = ['ID', 'KIND', 'TABLES', 'BYTES', 'SCHEMA', 'PURPOSE', 'GUARDS', 'CREATED', 'VERIFIED'];
const recoveryLine = (b: DbStatusView['backups']): string =>
  `recovery point: ${b.latestVerified ? `${b.latestVerified}, ${Math.round(b.verifiedAgeSeconds ?? 0)} s old` : 'no verified backup'}` +
  (b.rpoMet === null ? '' : `; rpo ${b.rpoSeconds} s ${b.rpoMet ? color.green('met') : color.red('MISSED')}`) +
  (b.rtoMet === null
    ? ''
    : `; restore ${b.restoreSeconds} s, rto ${b.rtoSeconds} s ${b.rtoMet ? 'met' : color.red('MISSED')}`);
const checkLines = (checks: ValidationCheck[]): string[] =>
  checks.map((c) => `${c.ok ? color.green('ok') : color.red('FAILED')}  ${c.name}: ${c.detail}`);

export async function dbStatus(options: DbOptions): Promise<number> {
  return withDb(options, 'reading status', async ({ api, who }) => {
    const s = await api.status(who);
    if (options.json) printJson(s);
    else
      printLines([
        `${s.database}: ${s.engine} ${s.engineVersion}, ${s.readOnly ? color.yellow('READ-ONLY') : 'read-write'}, ${s.connections}/${s.maxConnections} connections`,
        `schema: ${s.migration.current ?? 'no migrations applied'}${s.migration.pending.length ? `; pending ${s.migration.pending.join(', ')}` : ''}` +
          (s.migration.missingDir
            ? color.yellow(`; migrations directory ${s.migration.missingDir} does not exist`)
            : ''),
        `backups: ${s.backups.count}${s.backups.latest ? `, latest ${s.backups.latest.id} (${s.backups.latest.kind}, ${time(s.backups.latest.createdAt)})` : ''}`,
        recoveryLine(s.backups),
      ]);
    return ExitCode.ok;
  });
}

export async function dbBackup(options: DbOptions & Tables & { schemaOnly: boolean }): Promise<number> {
  const tables = options.table ?? [];
  return withDb(options, 'backing up', async ({ api, who, mode }) => {
    say(
      color.dim(
        `backing up ${options.db ?? 'the database'}${tables.length ? ` (tables ${tables.join(', ')})` : options.schemaOnly ? ' (schema only)' : ''}${mode === 'controller' ? ' through the controller' : ''}…`,
      ),
    );
    const b = await api.backup(who, {
      ...(options.schemaOnly ? { kind: 'schema' as const } : {}),
      ...(tables.length ? { tables } : {}),
    });
    if (options.json) printJson(b);
    else {
      printLines([
        `${b.id}  ${b.kind}  ${b.tables.length} tables  ${b.sizeBytes} bytes  sha256 ${b.sha256}  ${b.path}`,
      ]);
      if (b.pruned.length) say(color.dim(`retention removed ${b.pruned.length} old backups: ${b.pruned.join(', ')}`));
    }
    return ExitCode.ok;
  });
}

export async function dbBackups(options: DbOptions): Promise<number> {
  return withDb(options, 'listing backups', async ({ api, who }) => {
    const list = await api.backups(who);
    if (options.json) printJson(list);
    else printLines(table(list.map(backupRow), BACKUP_HEADER));
    return ExitCode.ok;
  });
}

export async function dbVerify(options: DbOptions, id: string): Promise<number> {
  return withDb(options, `verifying ${id}`, async ({ api, who }) => {
    const result = await api.verify(who, id);
    if (options.json) printJson(result);
    else
      printLines([
        ...checkLines(result.checks),
        `${id}: ${result.ok ? color.green('verified') : color.red('FAILED verification')}`,
      ]);
    return result.ok ? ExitCode.ok : ExitCode.failed;
  });
}

/**
 * Over the controller, a change to a database used in a protected environment
 * answers with the approval it waits for instead: say so and exit 4.
 */
function awaitsApproval(result: unknown, options: DbOptions): number | null {
  const approval = (result as { approval?: { id: string; requestedBy: string } } | null)?.approval;
  if (!approval) return null;
  if (options.json) printJson(result);
  else
    say(
      `protected environment: approval ${approval.id} waits for an approver other than ${approval.requestedBy} — rewind approve ${approval.id}`,
    );
  return ExitCode.waiting;
}

export async function dbRestore(
  options: DbOptions & Tables & { quarantine: boolean; yes: boolean },
  id: string,
): Promise<number> {
  const tables = options.table ?? [];
  return withDb(options, `restoring ${id}`, async ({ api, who }) => {
    if (!options.yes) {
      // a restore replaces rows: say exactly what would happen, change nothing (exit 2)
      const latest = id === 'latest';
      const backup = (await api.backups(who)).find((b) => (latest ? b.verification.status === 'passed' : b.id === id));
      if (!backup)
        throw new UserError('NOT_FOUND', `backup ${id} not found — list them with \`rewind db backups\``, {
          status: 404,
        });
      const what = tables.length
        ? `tables ${tables.join(', ')}`
        : backup.kind === 'tables'
          ? `tables ${backup.tables.join(', ')}`
          : `the whole database (${backup.tables.length} tables)`;
      const plan = [
        `verify the checksums of ${backup.id} (${backup.kind}, ${time(backup.createdAt)}, schema ${backup.schemaVersion ?? 'none'}${latest ? ', the newest verified backup' : ''})`,
        `take a safety backup of the current ${tables.length ? 'tables' : 'database'}`,
        'stop writes (read-only)',
        `restore ${what} into ${backup.database}${options.quarantine ? ', keeping the current rows in <table>_quarantine_<time>' : ''}`,
        'validate (tables, row counts, foreign keys), then allow writes again',
        `state the data-loss window: writes made after ${time(backup.createdAt)} are not in the restored database`,
      ];
      throw new UserError(
        'CONFIRMATION_REQUIRED',
        `restore would:\n${plan.map((p, i) => `  ${i + 1}. ${p}`).join('\n')}\nnothing was changed — run again with --yes to go ahead`,
        {
          exitCode: ExitCode.usage,
          details: { backup: id, plan },
        },
      );
    }
    say(color.dim(`restoring ${id}${tables.length ? ` (tables ${tables.join(', ')})` : ''}…`));
    const result = await api.restore(who, id, { ...(tables.length ? { tables } : {}), quarantine: options.quarantine });
    const waiting = awaitsApproval(result, options);
    if (waiting !== null) return waiting;
    if (options.json) printJson(result);
    else {
      printLines([...checkLines(result.checks), `${id}: ${color.green('restored')} — ${result.message}`]);
      say(
        `safety backup of the state before: ${result.safety.id} (undo with: rewind db restore ${result.safety.id} --yes)`,
      );
      if (result.quarantineSuffix) say(`previous rows kept in <table>_quarantine_${result.quarantineSuffix}`);
    }
    return ExitCode.ok;
  });
}

export async function dbMigrateDown(
  options: DbOptions & { to: string; dryRun: boolean; allowDataLoss: boolean },
): Promise<number> {
  return withDb(options, `migrating down to ${options.to}`, async ({ api, who }) => {
    const result = await api.migrateDown(who, {
      to: options.to,
      dryRun: options.dryRun,
      allowDataLoss: options.allowDataLoss,
    });
    const waiting = awaitsApproval(result, options);
    if (waiting !== null) return waiting;
    if (options.json) printJson(result);
    else {
      if (result.steps.length === 0) say(`${result.database} is already at ${result.to}: nothing to do`);
      else printLines(result.steps);
      if (result.steps.length)
        say(
          result.dryRun
            ? `dry run: ${result.steps.length} steps from ${result.from} to ${result.to}, nothing changed`
            : `${result.database} migrated down from ${result.from} to ${result.to}${result.backup ? ` (backup ${result.backup.id} taken first)` : ''}`,
        );
    }
    return ExitCode.ok;
  });
}

export async function dbValidate(options: DbOptions): Promise<number> {
  return withDb(options, 'validating', async ({ api, who }) => {
    const result = await api.validate(who);
    if (options.json) printJson(result);
    else {
      if (result.expectedFrom)
        say(color.dim(`expected tables: those of backup ${result.expectedFrom} (same schema version)`));
      printLines([
        ...checkLines(result.checks),
        `${result.database}: ${result.ok ? color.green('valid') : color.red('FAILED validation')}`,
      ]);
    }
    return result.ok ? ExitCode.ok : ExitCode.failed;
  });
}

export async function dbReadOnly(options: DbOptions, state: string): Promise<number> {
  if (state !== 'on' && state !== 'off')
    throw new UserError('BAD_USAGE', `read-only expects on or off, got "${state}"`, { exitCode: ExitCode.usage });
  return withDb(options, `read-only ${state}`, async ({ api, who }) => {
    const result = await api.readOnly(who, state === 'on');
    const waiting = awaitsApproval(result, options);
    if (waiting !== null) return waiting;
    if (options.json) printJson(result);
    else
      say(
        `${result.database}: ${result.readOnly ? 'read-only — new transactions refuse writes (a session can still SET default_transaction_read_only = off)' : 'writes allowed again'}`,
      );
    return ExitCode.ok;
  });
}

export function register(program: Command): void {
  const db = program.command('db').description('database backups, restores, migrations and read-only mode');
  const sub = (spec: string, description: string): Command =>
    withGlobalOptions(db.command(spec).description(description))
      .option('--db <name>', 'database under `databases` (default: the only one)')
      .option('--offline', 'run here even when a controller answers (escape hatch when it is broken)', false);
  sub('status', 'engine, read-only, connections, schema version, backups').action(action(dbStatus));
  sub('backup', 'take a checksummed backup (full, schema-only or tables)')
    .option('--schema-only', 'the schema without rows', false)
    .option('--table <name...>', 'only these tables')
    .action(action(dbBackup));
  sub('backups', 'the backup catalog, newest first').action(action(dbBackups));
  sub('verify <id>', 'check a backup’s checksums and that the engine can read it').action(action(dbVerify));
  sub('restore <id>', 'restore a backup (an id, or latest: the newest verified) behind a safety backup and read-only')
    .option('--table <name...>', 'only these tables; the rest is untouched')
    .option('--quarantine', 'keep the current rows of each restored table in <table>_quarantine_<time>', false)
    .option('--yes', 'really restore (without it: print what would happen, exit 2)', false)
    .action(action(dbRestore));
  sub('migrate-down', 'run down migrations to a version (a backup is taken first)')
    .requiredOption('--to <version>', 'target version (0 = none)')
    .option('--dry-run', 'run the checks, print the SQL, change nothing', false)
    .option('--allow-data-loss', 'drop tables/columns that hold data', false)
    .action(action(dbMigrateDown));
  sub('validate', 'tables, foreign keys and integrity checks').action(action(dbValidate));
  sub('read-only <on|off>', 'stop or allow writes').action(action(dbReadOnly));
}
