/**
 * What the builtin switch's worker keeps on disk for a worker that replaces it
 * (a SIGKILL, a crash, out of memory), written on the serving event loop, so
 * each second costs only what changed:
 *
 * - `telemetry.json`, the snapshot: every retained second of every release (the
 *   control channel's export), named by a fresh journal id. Written whole, to a
 *   temporary name and renamed, at the worker's start, when the set of releases
 *   changes, when the journal has grown past its limits, and at a graceful stop.
 * - `telemetry.jsonl`, the journal: a header line naming the snapshot it follows,
 *   then one line per release and second closed since (appended once, when the
 *   second is over and it counted something), and one line per ten-second user
 *   bucket those seconds touched, as it stands then (a later line replaces it).
 *
 * Nothing is written while no request is counted. A worker that starts loads the
 * snapshot, then the journal's lines if its header names that snapshot
 * (telemetry-restore.ts): a torn last line of a worker killed mid-write is skipped,
 * and a journal left beside a newer snapshot (killed between the two writes of a
 * compaction) is ignored, the snapshot holding all of it.
 *
 * What is lost on a worker's death: the second still counting, and at most a
 * second more (the tick that would have closed it), plus requests in flight.
 */
import { closeSync, fstatSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import type { TelemetryStore } from '../telemetry.js';
import type { UserBucketRow } from '../users/release-users.js';
import { USER_BUCKET_MS } from '../users/release-users.js';
import type { TelemetryExport, TelemetryRow } from './control-channel.js';
import { writeJson } from './files.js';
import { exportAll, exportSlot } from './telemetry-sync.js';

/** journal lines after which the next tick compacts (≈ 15 min of two busy releases) */
export const COMPACT_AFTER_LINES = 3600;
/** journal bytes after which the next tick compacts */
export const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

/** The snapshot file: the control channel's export, named by the journal that follows it. */
export type SnapshotFile = TelemetryExport & { journal?: string };

/** The journal's lines: its header, then closed seconds and user buckets. */
export type JournalLine =
  { journal: string } | { revision: number; row: TelemetryRow } | { revision: number; users: UserBucketRow };

export interface TelemetryJournalOptions {
  snapshotFile: string;
  journalFile: string;
  store: TelemetryStore;
  /** the releases the front door routes to now */
  revisions: () => Iterable<number>;
  /** epoch ms, the clock the switch counts by; default Date.now */
  now?: () => number;
  /** default COMPACT_AFTER_LINES */
  compactAfterLines?: number;
  /** default COMPACT_AFTER_BYTES */
  compactAfterBytes?: number;
}

export interface TelemetryJournal {
  /** Appends the seconds closed since the last tick (compacting when due); returns the bytes written, 0 when idle. */
  tick(): number;
  /** Writes the full snapshot and starts a fresh journal after it; returns the bytes written. */
  compact(): number;
  /** Closes the journal (a successor writes now); the files stay. */
  close(): void;
}

const releaseSet = (revisions: Iterable<number>): string => [...revisions].sort((a, b) => a - b).join(',');

export function openTelemetryJournal(options: TelemetryJournalOptions): TelemetryJournal {
  const { snapshotFile, journalFile, store, revisions } = options;
  const now = options.now ?? Date.now;
  const maxLines = options.compactAfterLines ?? COMPACT_AFTER_LINES;
  const maxBytes = options.compactAfterBytes ?? COMPACT_AFTER_BYTES;
  let fd: number | undefined;
  let inode = -1;
  let lines = 0;
  let bytes = 0;
  let releases = '';
  let serial = 0;
  let ended = false;
  /** the newest second each release's journal holds, or that is in the snapshot and closed */
  const closedThrough = new Map<number, number>();

  /** a fresh journal, written beside and renamed over the old one; this worker keeps appending to its inode */
  function startJournal(id: string): number {
    const temporary = `${journalFile}.${process.pid}.tmp`;
    const header = Buffer.from(`${JSON.stringify({ journal: id } satisfies JournalLine)}\n`);
    writeFileSync(temporary, header, { mode: 0o600 });
    const next = openSync(temporary, 'a');
    renameSync(temporary, journalFile);
    if (fd !== undefined) closeSync(fd);
    fd = next;
    inode = fstatSync(next).ino;
    lines = 1;
    bytes = header.length;
    return header.length;
  }

  function compact(): number {
    if (ended) return 0;
    const at = now();
    const id = `${process.pid}.${at}.${(serial += 1)}`;
    const routed = [...revisions()];
    const ringOf = (revision: number) => store.forRelease(revision);
    const snapshot: SnapshotFile = { journal: id, ...exportAll(routed, ringOf, 0) };
    // the snapshot first: killed before the journal is replaced, the old journal names another snapshot
    const written = writeJson(snapshotFile, snapshot) + startJournal(id);
    releases = releaseSet(routed);
    closedThrough.clear();
    const newest = Math.floor(at / 1000) - 1;
    for (const revision of routed) closedThrough.set(revision, newest);
    return written;
  }

  /** Another worker replaced the journal (a supervisor's succession): ours is no longer the one read. */
  function replacedUnderUs(): boolean {
    try {
      return statSync(journalFile).ino !== inode;
    } catch {
      return true;
    }
  }

  /** The lines of the seconds of `revision` closed after the last tick, and of the user buckets they touched. */
  function closedLines(revision: number, newest: number): string {
    const ring = store.forRelease(revision);
    const from = Math.max((closedThrough.get(revision) ?? newest) + 1, newest - ring.slots + 1);
    closedThrough.set(revision, newest);
    let text = '';
    const buckets = new Set<number>();
    for (let second = from; second <= newest; second += 1) {
      const slot = ring.slotOf(second);
      if (slot < 0) continue;
      const users = ring.userRequests[slot] ?? 0;
      if ((ring.requests[slot] ?? 0) === 0 && users === 0) continue;
      text += `${JSON.stringify({ revision, row: exportSlot(ring, slot) } satisfies JournalLine)}\n`;
      if (users > 0) buckets.add(Math.floor((second * 1000) / USER_BUCKET_MS) * USER_BUCKET_MS);
    }
    for (const at of buckets) {
      const users = ring.users.exportBucket(at);
      if (users !== undefined) text += `${JSON.stringify({ revision, users } satisfies JournalLine)}\n`;
    }
    return text;
  }

  function tick(): number {
    if (ended) return 0;
    if (fd === undefined || releaseSet(revisions()) !== releases || lines >= maxLines || bytes >= maxBytes) {
      return compact();
    }
    const newest = Math.floor(now() / 1000) - 1;
    let text = '';
    for (const revision of revisions()) text += closedLines(revision, newest);
    if (text === '') return 0;
    if (replacedUnderUs()) return compact();
    const chunk = Buffer.from(text);
    try {
      for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done);
    } catch (error) {
      // a full disk may have left half a line: the next tick writes the whole export and a fresh journal
      closeSync(fd);
      fd = undefined;
      throw error;
    }
    bytes += chunk.length;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines += 1;
    return chunk.length;
  }

  return {
    tick,
    compact,
    close() {
      ended = true;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
