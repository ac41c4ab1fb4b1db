import { Cron } from 'croner';
import { ExitCode, UserError, errorMessage } from '../../core/errors.js';
import { latestVerified, nextScheduled, verificationOf } from '../../core/recovery-point.js';
import type { AppContext } from '../context.js';
import { databaseFor, type DatabaseHandle } from './database-for.js';
import { applyRetention } from './retention.js';
import { createRpoWatch, objectivesOf } from './rpo-watch.js';
import { takeBackup } from './take-backup.js';
import { verifyByRestore } from './verify-by-restore.js';

/** Options of {@link startBackupSchedules}. */
export interface BackupScheduleOptions {
  /** how often the RPO of each database is checked; default a quarter of the rpo, at most 5000 ms */
  rpoCheckMs?: number;
}

const ACTOR = 'schedule';

/**
 * What the leader runs for every database with `backups.schedule` or
 * `backups.rpo`: a backup of `backups.kind` on each slot of the cron schedule,
 * the first and then every `verifyEvery`th verified by restoring it, then
 * retention; and the RPO watch. One piece of work at a time per database. At
 * the start of a term, scratch copies a crashed verification left are dropped,
 * backups left unverified (a controller that stopped between a backup and its
 * verification) are verified, and the last slot of the schedule is taken once
 * if the catalog has no backup for it (downtime missed it) — once, not once per
 * missed slot.
 */
export function startBackupSchedules(ctx: AppContext, options: BackupScheduleOptions = {}): () => Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  for (const [name, config] of Object.entries(ctx.loaded.config.databases)) {
    if (!config.backups.schedule && !config.backups.rpo) continue;
    stops.push(scheduleDatabase(ctx, databaseFor(ctx, name), options));
  }
  return async () => {
    for (const stop of stops) await stop();
  };
}

function scheduleDatabase(ctx: AppContext, db: DatabaseHandle, options: BackupScheduleOptions): () => Promise<void> {
  const { schedule, verify, validate, kind, tables, verifyEvery } = db.config.backups;
  assertKindSupported(ctx, db, kind);
  const deps = db.deps({ actor: ACTOR });
  const verifyOptions = { method: verify, queries: validate, rtoMs: objectivesOf(ctx, db.name).rtoMs };
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  let busy = 0;
  const serial = (what: string, work: () => Promise<void>) => {
    busy += 1;
    chain = chain
      .then(() => (stopped ? undefined : work()))
      .finally(() => (busy -= 1))
      .catch((error: unknown) => {
        if (stopped) return;
        return ctx
          .emit({
            type: 'backup.failed',
            actor: ACTOR,
            message: `${what} of database ${db.name} failed: ${errorMessage(error)}`,
            data: { database: db.name },
          })
          .then(() => undefined);
      });
  };
  let cron: Cron | null = null;
  try {
    cron = schedule ? new Cron(schedule, { paused: true, name: `backup-${db.name}` }) : null;
  } catch (error) {
    throw new UserError(
      'BAD_SCHEDULE',
      `${ctx.loaded.file}: databases.${db.name}.backups.schedule "${schedule}" is not a cron expression: ${errorMessage(error)}`,
      { exitCode: ExitCode.usage },
    );
  }
  const lastDue = (): number | null => cron?.previousRuns(1, new Date(ctx.clock.now()))[0]?.getTime() ?? null;

  // newest first, and only those newer than the newest verified one: older ones could never be `latest`
  const verifyPending = async () => {
    const backups = await ctx.store.listBackups({ database: db.name });
    const newestVerified = latestVerified(backups)?.createdAt ?? -1;
    const pending = backups.filter(
      (b) => verificationOf(b).status === 'pending' && !verificationOf(b).skipped && b.createdAt > newestVerified,
    );
    for (const backup of pending) if (!stopped) await verifyByRestore(deps, backup, verifyOptions);
  };
  const runSlot = async (slot: number) => {
    // a slot that waited behind a slow one is skipped when a newer slot is already due
    if ((lastDue() ?? slot) > slot) return;
    const backups = await ctx.store.listBackups({ database: db.name });
    if (backups.some((b) => b.manifest.slot === slot)) return;
    const { sequence, verify: verifyThis } = nextScheduled(backups, verifyEvery);
    const unverified = `not verified on purpose: backups.verifyEvery is ${verifyEvery} (scheduled backup ${sequence})`;
    await takeBackup(deps, {
      kind,
      ...(kind === 'tables' ? { tables } : {}),
      purpose: 'scheduled',
      slot,
      sequence,
      ...(verifyThis ? {} : { unverified }),
    });
    await verifyPending();
    await applyRetention(ctx, db, ACTOR);
  };

  serial('dropping scratch copies a crashed verification left', () => dropLeftScratch(ctx, db));
  serial('verifying unverified backups', verifyPending);
  const due = lastDue();
  if (due !== null) serial('the missed scheduled backup', () => runSlot(due));
  const job = cron
    ? new Cron(schedule as string, { protect: true, name: `backup-${db.name}-run` }, () => {
        const slot = lastDue();
        if (slot !== null) serial('the scheduled backup', () => runSlot(slot));
      })
    : null;

  const watch = createRpoWatch(ctx, db.name);
  let checking = false;
  const timer = setInterval(
    () => {
      if (checking || stopped) return;
      // backups taken meanwhile (by hand, before a migration or a restore) are verified when nothing else runs
      if (busy === 0) serial('verifying backups taken meanwhile', verifyPending);
      checking = true;
      void watch()
        .catch(() => undefined)
        .finally(() => (checking = false));
    },
    options.rpoCheckMs ?? Math.min(5_000, Math.max(250, (objectivesOf(ctx, db.name).rpoMs ?? 20_000) / 4)),
  );
  timer.unref();
  return async () => {
    stopped = true;
    job?.stop();
    cron?.stop();
    clearInterval(timer);
    await chain;
  };
}

/** A scheduled `kind` the engine cannot take is a config error at start, not a failure on every slot. */
function assertKindSupported(ctx: AppContext, db: DatabaseHandle, kind: 'full' | 'schema' | 'tables'): void {
  const { capabilities, engine } = db.adapter;
  const missing =
    kind === 'schema' ? !capabilities.schemaBackup : kind === 'tables' ? !capabilities.tableRestore : false;
  if (missing)
    throw new UserError(
      'BAD_BACKUP_KIND',
      `${ctx.loaded.file}: databases.${db.name}.backups.kind "${kind}" is not supported by ${engine}; use full${kind === 'tables' && capabilities.schemaBackup ? ' or schema' : ''}`,
      { exitCode: ExitCode.usage },
    );
}

/** Scratch copies only a crash leaves (a verification that ends drops its own): dropped when a term starts. */
async function dropLeftScratch(ctx: AppContext, db: DatabaseHandle): Promise<void> {
  const dropped = await db.adapter.dropScratchCopies();
  if (dropped.length === 0) return;
  await ctx.emit({
    type: 'backup.scratch-dropped',
    actor: ACTOR,
    message: `dropped ${dropped.length} scratch ${dropped.length === 1 ? 'copy' : 'copies'} of database ${db.name} that an interrupted verification left: ${dropped.join(', ')}`,
    data: { database: db.name, dropped },
  });
}
