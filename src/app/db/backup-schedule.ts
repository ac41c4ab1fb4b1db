import { Cron } from 'croner';
import { ExitCode, UserError, errorMessage } from '../../core/errors.js';
import { latestVerified, verificationOf } from '../../core/recovery-point.js';
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
 * `backups.rpo`: a full backup on each slot of the cron schedule, each one
 * verified by restoring it, then retention; and the RPO watch. One piece of work
 * at a time per database. At the start of a term, backups left unverified (a
 * controller that stopped between a backup and its verification) are verified,
 * and the last slot of the schedule is taken once if the catalog has no backup
 * for it (downtime missed it) — once, not once per missed slot.
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
  const { schedule, verify, validate } = db.config.backups;
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
    const pending = backups.filter((b) => verificationOf(b).status === 'pending' && b.createdAt > newestVerified);
    for (const backup of pending) if (!stopped) await verifyByRestore(deps, backup, verifyOptions);
  };
  const runSlot = async (slot: number) => {
    // a slot that waited behind a slow one is skipped when a newer slot is already due
    if ((lastDue() ?? slot) > slot) return;
    const backups = await ctx.store.listBackups({ database: db.name });
    if (backups.some((b) => b.manifest.slot === slot)) return;
    await takeBackup(deps, { kind: 'full', purpose: 'scheduled', slot });
    await verifyPending();
    await applyRetention(ctx, db, ACTOR);
  };

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
