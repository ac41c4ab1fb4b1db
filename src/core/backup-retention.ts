import type { Backup } from './model.js';

/** `backups.keep`: the newest N, or the newest `last` plus the newest of each of `daily` days and `weekly` weeks. */
export type KeepRule = number | { last: number; daily: number; weekly: number };

const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday (UTC). */
const MONDAY_SHIFT_MS = 3 * DAY_MS;

/**
 * The ids a keep rule retains, newest first; pure. A daily (weekly) slot is a UTC
 * day (week from Monday) holding at least one backup, counted back from the
 * newest such slot — the classic grandfather-father-son scheme. What retention
 * must keep whatever the rule says (newest verified, guarded, in use) is added
 * by the caller.
 */
export function keptByRule(backups: readonly Backup[], rule: KeepRule): string[] {
  const newestFirst = [...backups].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
  const { last, daily, weekly } = typeof rule === 'number' ? { last: rule, daily: 0, weekly: 0 } : rule;
  const kept = new Set(newestFirst.slice(0, last).map((b) => b.id));
  const newestPer = (bucket: (at: number) => number, count: number) => {
    const seen = new Set<number>();
    for (const backup of newestFirst) {
      const key = bucket(backup.createdAt);
      if (seen.has(key)) continue;
      if (seen.size === count) break;
      seen.add(key);
      kept.add(backup.id);
    }
  };
  if (daily > 0) newestPer((at) => Math.floor(at / DAY_MS), daily);
  if (weekly > 0) newestPer((at) => Math.floor((at + MONDAY_SHIFT_MS) / (7 * DAY_MS)), weekly);
  return newestFirst.filter((b) => kept.has(b.id)).map((b) => b.id);
}
