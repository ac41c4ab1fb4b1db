/**
 * A worker's start: what the worker before it counted (it died, or handed over)
 * is loaded from the snapshot and the journal of seconds closed after it
 * (telemetry-journal.ts), so counting goes on from there. Requests that were in
 * flight are not loaded (they died with it). A line that does not parse (the
 * torn last line of a worker killed mid-write) is skipped; a journal whose header
 * names another snapshot is ignored whole (the snapshot is newer and holds it).
 */
import { readFileSync } from 'node:fs';
import type { TelemetryStore } from '../telemetry.js';
import type { UserBucketRow } from '../users/release-users.js';
import type { TelemetryRow } from './control-channel.js';
import { readJson } from './files.js';
import type { SnapshotFile } from './telemetry-journal.js';
import { importExport, importRow } from './telemetry-sync.js';

const isRevision = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

const isRow = (value: unknown): value is TelemetryRow =>
  Array.isArray(value) && isRevision(value[0]) && Array.isArray(value[4]);

const isUserBucket = (value: unknown): value is UserBucketRow =>
  Array.isArray(value) && Number.isFinite(value[0]) && Array.isArray(value[3]);

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The journal's lines after its header when that header names `journal`, else none. */
function journalLines(file: string, journal: string | undefined): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  const header = parseLine(lines[0] ?? '');
  if (journal === undefined || header?.journal !== journal) return [];
  return lines.slice(1);
}

/** Applies the journal's lines to `store`; returns the revisions they named. */
function replayJournal(lines: string[], store: TelemetryStore, known: Set<number>): void {
  for (const text of lines) {
    if (text === '') continue;
    const line = parseLine(text);
    if (line === undefined || !isRevision(line.revision)) continue;
    const ring = store.forRelease(line.revision);
    known.add(line.revision);
    if (isRow(line.row)) importRow(ring, line.row);
    if (isUserBucket(line.users)) ring.users.importRow(line.users);
  }
}

/** Loads the snapshot and its journal into `store`; returns the revisions they held. */
export function loadTelemetry(snapshotFile: string, journalFile: string, store: TelemetryStore): Set<number> {
  const known = new Set<number>();
  const saved = readJson<SnapshotFile>(snapshotFile);
  if (!saved || typeof saved.releases !== 'object' || saved.releases === null) return known;
  const finished = Object.fromEntries(
    Object.entries(saved.releases).map(([revision, release]) => [revision, { ...release, pending: [] }]),
  );
  importExport(store, { releases: finished }, known);
  replayJournal(journalLines(journalFile, saved.journal), store, known);
  return known;
}
