/**
 * Telemetry across the control channel: the front door exports the retained
 * one-second slots of each release, the controller writes them into a mirror
 * of the same store, so triggers, the judge and reports read it unchanged —
 * and the seconds the front door counted while no controller was connected
 * arrive with the first read. The same export, compacted now and then beside
 * the run file with a journal of the seconds closed since (telemetry-journal.ts),
 * is what a fresh worker starts from after a worker died.
 */
import { BUCKET_COUNT } from '../latency-histogram.js';
import type { ReleaseTelemetry, TelemetryStore } from '../telemetry.js';
import type { TelemetryExport, TelemetryRow } from './control-channel.js';

/** The second a slot holds, as it travels: counts and the sparse latency histogram ([bucket, count]…). */
export function exportSlot(ring: ReleaseTelemetry, slot: number): TelemetryRow {
  const sparse: number[] = [];
  for (let b = 0; b < BUCKET_COUNT; b += 1) {
    const count = ring.histogram[slot * BUCKET_COUNT + b] ?? 0;
    if (count > 0) sparse.push(b, count);
  }
  return [
    ring.second[slot] ?? -1,
    ring.requests[slot] ?? 0,
    ring.errors[slot] ?? 0,
    ring.maxStreak[slot] ?? 0,
    sparse,
    ring.userRequests[slot] ?? 0,
    ring.userFailures[slot] ?? 0,
  ];
}

/** The retained seconds of one release from `since` on, oldest first. */
export function exportSince(ring: ReleaseTelemetry, since: number): TelemetryRow[] {
  const rows: TelemetryRow[] = [];
  for (let slot = 0; slot < ring.slots; slot += 1) {
    const second = ring.second[slot] ?? -1;
    if (second < 0 || second < since) continue;
    rows.push(exportSlot(ring, slot));
  }
  return rows.sort((a, b) => a[0] - b[0]);
}

/** Writes one exported second into the mirror's ring, replacing what the slot held (unless it holds a newer second). */
export function importRow(
  ring: ReleaseTelemetry,
  [second, requests, errors, streak, sparse, userRequests, userFailures]: TelemetryRow,
): void {
  const slot = second % ring.slots;
  if ((ring.second[slot] ?? -1) > second) return;
  ring.second[slot] = second;
  ring.requests[slot] = requests;
  ring.errors[slot] = errors;
  ring.maxStreak[slot] = streak;
  ring.userRequests[slot] = userRequests ?? 0;
  ring.userFailures[slot] = userFailures ?? 0;
  ring.histogram.fill(0, slot * BUCKET_COUNT, (slot + 1) * BUCKET_COUNT);
  for (let i = 0; i + 1 < sparse.length; i += 2) {
    const bucket = sparse[i] ?? -1;
    if (bucket >= 0 && bucket < BUCKET_COUNT) ring.histogram[slot * BUCKET_COUNT + bucket] = sparse[i + 1] ?? 0;
  }
}

/**
 * Applies an export to the mirror; returns the newest second it held (the next
 * read starts there again: that second may still have been counting).
 */
export function importExport(mirror: TelemetryStore, exported: TelemetryExport, known: Set<number>): number {
  let newest = -1;
  const now = performance.now();
  for (const [key, { rows, pending, users }] of Object.entries(exported.releases)) {
    const revision = Number(key);
    known.add(revision);
    const ring = mirror.forRelease(revision);
    for (const row of rows) {
      importRow(ring, row);
      newest = Math.max(newest, row[0]);
    }
    for (const bucket of users ?? []) ring.users.importRow(bucket);
    ring.pending.clear();
    for (const age of pending) ring.pending.add({ startedAt: now - age });
  }
  return newest;
}

/** What the front door answers to a telemetry read. */
export function exportAll(
  revisions: Iterable<number>,
  ringOf: (revision: number) => ReleaseTelemetry,
  since: number,
): TelemetryExport {
  const releases: TelemetryExport['releases'] = {};
  const now = performance.now();
  for (const revision of revisions) {
    const ring = ringOf(revision);
    releases[String(revision)] = {
      rows: exportSince(ring, since),
      users: ring.users.exportSince(since * 1000),
      pending: [...ring.pending].map(({ startedAt }) => Math.max(0, now - startedAt)),
    };
  }
  return { releases };
}
