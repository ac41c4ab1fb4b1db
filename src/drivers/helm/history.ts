/**
 * Reading `helm history -o json` (Helm 3's releaseInfo rows). Pure functions.
 * A Helm rollback makes a new revision whose description is "Rollback to N": it
 * runs what revision N ran, so it answers for N as well.
 */
import type { PlatformRevision } from '../../core/ports/driver.js';

export interface HistoryRow {
  revision: number;
  updated: string;
  /** deployed, superseded, failed, pending-install, pending-upgrade, pending-rollback, uninstalled… */
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

export function parseHistory(stdout: string): HistoryRow[] {
  const rows = JSON.parse(stdout) as HistoryRow[];
  if (!Array.isArray(rows)) throw new Error('helm history -o json did not print a list');
  return rows.map((r) => ({ ...r, revision: Number(r.revision) })).sort((a, b) => a.revision - b.revision);
}

/** The revision a row re-deployed, followed back through rollbacks of rollbacks. */
export function rolledBackTo(rows: HistoryRow[], row: HistoryRow): number | null {
  const match = /^Rollback to (\d+)/.exec(row.description);
  if (!match) return null;
  const target = Number(match[1]);
  const earlier = rows.find((r) => r.revision === target);
  return (earlier && rolledBackTo(rows, earlier)) ?? target;
}

/** The revision Helm runs now: the newest `deployed` one. */
export const deployedRow = (rows: HistoryRow[]): HistoryRow | undefined =>
  [...rows].reverse().find((r) => r.status === 'deployed');

/** Rows as the platform history Rewind adopts; versions come from Rewind's own records when it knows them. */
export function platformRevisions(
  rows: HistoryRow[],
  versionOf: (revision: number) => string | null,
): PlatformRevision[] {
  const current = deployedRow(rows);
  return rows
    .filter((r) => r.status === 'deployed' || r.status === 'superseded')
    .map((r) => {
      const origin = rolledBackTo(rows, r);
      return {
        revision: r.revision,
        formerRevisions: origin === null ? [] : [origin],
        version: versionOf(origin ?? r.revision) ?? (r.app_version || `helm revision ${r.revision}`),
        image: r.chart,
        current: r === current,
        changeCause: r.description,
      };
    });
}
