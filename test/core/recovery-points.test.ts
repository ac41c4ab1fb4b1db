import { describe, expect, it } from 'vitest';
import { keptByRule } from '../../src/core/backup-retention.js';
import type { Backup } from '../../src/core/model.js';
import { dataLossWindow, describeLoss, recoveryPoint } from '../../src/core/recovery-point.js';

const HOUR = 3_600_000;
/** Monday 2026-11-02 00:00 UTC */
const MONDAY = Date.UTC(2026, 10, 2);

function backup(id: string, at: number, verification?: { status: string; restoreMs?: number }): Backup {
  return {
    id,
    database: 'shop',
    kind: 'full',
    tables: [],
    path: `/b/${id}`,
    sizeBytes: 1,
    sha256: 'x',
    service: null,
    environment: null,
    revision: null,
    createdAt: at + 1000,
    manifest: { startedAt: at, ...(verification ? { verification } : {}) },
  };
}

describe('keep { last, daily, weekly }', () => {
  // four backups a day (00, 06, 12, 18 h) for 21 days from a Monday
  const all = Array.from({ length: 21 * 4 }, (_, i) => backup(`b${i}`, MONDAY + i * 6 * HOUR));
  const newest = (n: number) => all.slice(-n).map((b) => b.id);

  it('a number keeps the newest N', () => {
    expect(keptByRule(all, 3)).toEqual(newest(3).reverse());
  });

  it('last + daily + weekly keeps the newest N, the newest of each of D days and of W weeks (Monday to Sunday, UTC)', () => {
    const kept = keptByRule(all, { last: 2, daily: 3, weekly: 3 });
    const at = (id: string) => new Date((all.find((b) => b.id === id) as Backup).createdAt).toISOString().slice(0, 13);
    expect(kept.map(at)).toEqual([
      '2026-11-22T18', // newest: last, daily and weekly
      '2026-11-22T12', // last
      '2026-11-21T18', // daily
      '2026-11-20T18', // daily
      '2026-11-15T18', // weekly: Sunday evening of the second week
      '2026-11-08T18', // weekly: of the first week
    ]);
  });
});

describe('recovery point', () => {
  const now = MONDAY + 10 * HOUR;
  const backups = [
    backup('new-failed', MONDAY + 9 * HOUR, { status: 'failed' }),
    backup('verified', MONDAY + 8 * HOUR, { status: 'passed', restoreMs: 42_000 }),
    backup('old', MONDAY, { status: 'passed', restoreMs: 1000 }),
  ];

  it('is the age of the newest verified backup, against the rpo, and its restore time against the rto', () => {
    expect(recoveryPoint(backups, now, { rpoMs: HOUR, rtoMs: 60_000 })).toEqual({
      latestVerified: 'verified',
      ageSeconds: 3600,
      verifiedAgeSeconds: 7200,
      rpoSeconds: 3600,
      rpoMet: false,
      restoreSeconds: 42,
      rtoSeconds: 60,
      rtoMet: true,
    });
    expect(recoveryPoint(backups, now, { rpoMs: 3 * HOUR }).rpoMet).toBe(true);
    expect(recoveryPoint([], now, { rpoMs: HOUR })).toMatchObject({ latestVerified: null, rpoMet: false });
  });

  it('a restore states the writes it loses', () => {
    const window = dataLossWindow(backups[1] as Backup, MONDAY + 8 * HOUR + 252_000);
    expect(window).toEqual({
      consistentAt: MONDAY + 8 * HOUR,
      restoredAt: MONDAY + 8 * HOUR + 252_000,
      lostMs: 252_000,
    });
    expect(describeLoss(window)).toBe('writes after 2026-11-02 08:00:00 UTC are not in this database: 4 min 12 s');
  });
});
