import type { Backup } from './model.js';

/** How a backup was shown to restore; kept in the catalog manifest as `verification`. */
export interface Verification {
  status: 'passed' | 'failed' | 'pending';
  verifiedAt: number | null;
  /** time the scratch restore took; null for a checksum-only verification or none yet */
  restoreMs: number | null;
  /** what passed or the first failures, one line */
  detail: string;
  /** restore (into a scratch copy) or checksum (files only) */
  method?: 'restore' | 'checksum';
  /** true: left unverified on purpose (`backups.verifyEvery` verifies only every Nth scheduled backup) */
  skipped?: boolean;
}

const PENDING: Verification = { status: 'pending', verifiedAt: null, restoreMs: null, detail: 'not verified yet' };

/** The verification recorded for a backup; a backup taken before verification existed is pending. */
export function verificationOf(backup: Backup): Verification {
  const v = backup.manifest.verification as Verification | undefined;
  return v && typeof v.status === 'string' ? v : PENDING;
}

/** The newest backup that passed verification, or null. `backups` in any order. */
export function latestVerified(backups: readonly Backup[]): Backup | null {
  let best: Backup | null = null;
  for (const b of backups)
    if (verificationOf(b).status === 'passed' && (!best || b.createdAt > best.createdAt)) best = b;
  return best;
}

/**
 * The count the next scheduled backup gets (one more than the highest in the
 * catalog) and whether `verifyEvery` has it verified: the first, then every Nth.
 */
export function nextScheduled(backups: readonly Backup[], verifyEvery: number): { sequence: number; verify: boolean } {
  let last = 0;
  for (const b of backups) if (typeof b.manifest.sequence === 'number') last = Math.max(last, b.manifest.sequence);
  const sequence = last + 1;
  return { sequence, verify: (sequence - 1) % Math.max(1, verifyEvery) === 0 };
}

/** The moment a backup's data is from: when its snapshot was taken (the manifest's startedAt), else its catalog time. */
export const consistentAt = (backup: Backup): number =>
  typeof backup.manifest.startedAt === 'number' ? backup.manifest.startedAt : backup.createdAt;

/** The recovery point of one database, as `rewind db status` and `/metrics` show it. */
export interface RecoveryPoint {
  latestVerified: string | null;
  /** age of the newest backup (verified or not); null when there is none */
  ageSeconds: number | null;
  /** age of the newest verified backup: what a restore now would lose at least */
  verifiedAgeSeconds: number | null;
  rpoSeconds: number | null;
  /** null when no rpo is configured */
  rpoMet: boolean | null;
  /** restore time measured by the newest verified backup's verification */
  restoreSeconds: number | null;
  rtoSeconds: number | null;
  rtoMet: boolean | null;
}

/** Pure: the recovery point of a database's backups at `now`. */
export function recoveryPoint(
  backups: readonly Backup[],
  now: number,
  objectives: { rpoMs?: number | null; rtoMs?: number | null } = {},
): RecoveryPoint {
  const newest = backups.reduce<Backup | null>((a, b) => (!a || b.createdAt > a.createdAt ? b : a), null);
  const verified = latestVerified(backups);
  const age = (b: Backup | null) => (b ? Math.max(0, now - consistentAt(b)) / 1000 : null);
  const verifiedAge = age(verified);
  const rpoSeconds = objectives.rpoMs ? objectives.rpoMs / 1000 : null;
  const rtoSeconds = objectives.rtoMs ? objectives.rtoMs / 1000 : null;
  const restoreMs = verified ? verificationOf(verified).restoreMs : null;
  const restoreSeconds = restoreMs === null ? null : restoreMs / 1000;
  return {
    latestVerified: verified?.id ?? null,
    ageSeconds: age(newest),
    verifiedAgeSeconds: verifiedAge,
    rpoSeconds,
    rpoMet: rpoSeconds === null ? null : verifiedAge !== null && verifiedAge <= rpoSeconds,
    restoreSeconds,
    rtoSeconds,
    rtoMet: rtoSeconds === null || restoreSeconds === null ? null : restoreSeconds <= rtoSeconds,
  };
}

/** What a restore loses: every write after the backup's consistent point up to the restore. */
export interface DataLossWindow {
  /** the backup's consistent point (ms since the epoch) */
  consistentAt: number;
  /** when the restore finished (ms since the epoch) */
  restoredAt: number;
  lostMs: number;
}

export function dataLossWindow(backup: Backup, restoredAt: number): DataLossWindow {
  const at = consistentAt(backup);
  return { consistentAt: at, restoredAt, lostMs: Math.max(0, restoredAt - at) };
}

/** "4 min 12 s", "2 h 5 min", "800 ms" */
export function spokenDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** The sentence every restore states: "writes after 2026-12-07 10:00:03 UTC are not in this database: 4 min 12 s". */
export function describeLoss(window: DataLossWindow, what = 'this database'): string {
  const when = new Date(window.consistentAt)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return `writes after ${when} are not in ${what}: ${spokenDuration(window.lostMs)}`;
}
