import { parseDuration } from '../../core/duration.js';
import { recoveryPoint, type RecoveryPoint } from '../../core/recovery-point.js';
import type { AppContext } from '../context.js';

const MISSED = 'backup.rpo-missed';
const KEPT = 'backup.rpo-restored';

/** `backups.rpo` and `backups.rto` of a database in ms, null when not configured. */
export function objectivesOf(ctx: AppContext, database: string): { rpoMs: number | null; rtoMs: number | null } {
  const backups = ctx.loaded.config.databases[database]?.backups;
  return {
    rpoMs: backups?.rpo ? parseDuration(backups.rpo) : null,
    rtoMs: backups?.rto ? parseDuration(backups.rto) : null,
  };
}

/** The recovery point of a configured database now, from the catalog. */
export async function recoveryPointOf(ctx: AppContext, database: string): Promise<RecoveryPoint> {
  const backups = await ctx.store.listBackups({ database });
  return recoveryPoint(backups, ctx.clock.now(), objectivesOf(ctx, database));
}

/** Whether the last RPO event of this database says it is in breach (a restarted controller does not notify twice). */
async function breachedInLog(ctx: AppContext, database: string): Promise<boolean> {
  let last: string | null = null;
  let afterId = 0;
  for (;;) {
    const page = await ctx.store.listEvents({ types: [MISSED, KEPT], afterId, limit: 500 });
    for (const event of page) if (event.data.database === database) last = event.type;
    if (page.length < 500) break;
    afterId = page.at(-1)?.id ?? afterId;
  }
  return last === MISSED;
}

const age = (s: number | null) =>
  s === null ? 'no verified backup at all' : `the newest verified backup is ${Math.round(s)} s old`;

/**
 * Checks the recovery point of one database against its `rpo`: the event
 * `backup.rpo-missed` (and its notification) goes out once when the newest
 * verified backup becomes older than the rpo — not on every check — and
 * `backup.rpo-restored` once when a verified backup brings it back.
 */
export function createRpoWatch(ctx: AppContext, database: string): () => Promise<RecoveryPoint> {
  let breached: boolean | null = null;
  return async () => {
    const point = await recoveryPointOf(ctx, database);
    if (point.rpoMet === null) return point;
    breached ??= await breachedInLog(ctx, database);
    if (point.rpoMet === breached) {
      breached = !point.rpoMet;
      await ctx.emit({
        type: breached ? MISSED : KEPT,
        actor: 'rewind',
        message: breached
          ? `database ${database} misses its RPO of ${point.rpoSeconds} s: ${age(point.verifiedAgeSeconds)}${point.latestVerified ? ` (${point.latestVerified})` : ''}`
          : `database ${database} meets its RPO of ${point.rpoSeconds} s again: ${age(point.verifiedAgeSeconds)} (${point.latestVerified})`,
        data: { database, ...point },
      });
    }
    return point;
  };
}
