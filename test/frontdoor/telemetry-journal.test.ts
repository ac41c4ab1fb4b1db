/**
 * What the builtin switch's worker keeps for a worker that replaces it: a
 * snapshot compacted now and then, and a journal of the seconds closed since.
 * Fed directly with a simulated clock and real files: a fresh store loads every
 * closed second (the journal's, not only the snapshot's), skips a torn last line,
 * ignores a journal that names an older snapshot, and nothing is written while idle.
 */
import { appendFileSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTelemetryJournal } from '../../src/proxy/front-door/telemetry-journal.js';
import type { TelemetryJournal } from '../../src/proxy/front-door/telemetry-journal.js';
import { loadTelemetry } from '../../src/proxy/front-door/telemetry-restore.js';
import { bucketIndex } from '../../src/proxy/latency-histogram.js';
import { createTelemetryStore } from '../../src/proxy/telemetry.js';
import type { TelemetryStore } from '../../src/proxy/telemetry.js';

const START = 1_800_000_000; // a second, epoch
let dir = '';
let files = { snapshotFile: '', journalFile: '' };
let nowMs = 0;
let revisions = [1, 2];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rewind-telemetry-journal-'));
  files = { snapshotFile: join(dir, 'telemetry.json'), journalFile: join(dir, 'telemetry.jsonl') };
  nowMs = START * 1000;
  revisions = [1, 2];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function journalOf(store: TelemetryStore, limits: { compactAfterLines?: number } = {}): TelemetryJournal {
  return openTelemetryJournal({ ...files, ...limits, store, revisions: () => revisions, now: () => nowMs });
}

/** `requests` requests (every fifth a 5xx) of user `u<i>` on `revision` in `second`, then the clock past it and a tick. */
function countSecond(store: TelemetryStore, journal: TelemetryJournal, second: number, requests: number): number {
  for (let i = 0; i < requests; i += 1) {
    const at = second * 1000 + i;
    for (const revision of revisions) {
      store.forRelease(revision).record(at, bucketIndex(10 + i), i % 5 === 0);
      store.forRelease(revision).recordOutcome(at, i % 5 === 0, 1000 + i, 0);
    }
  }
  nowMs = (second + 1) * 1000 + 3;
  return journal.tick();
}

function loaded(): TelemetryStore {
  const store = createTelemetryStore(900);
  loadTelemetry(files.snapshotFile, files.journalFile, store);
  return store;
}

const requestsAt = (store: TelemetryStore, revision: number, second: number): number =>
  store.reader.read(revision, 'requests', (second + 1) * 1000, 1000).value;

const stamp = (file: string): string => {
  const stat = statSync(file);
  return `${stat.size}@${stat.mtimeMs}`;
};

describe('the front door telemetry journal', () => {
  it('a fresh store loads the journaled seconds after the snapshot, skipping a torn last line', () => {
    const counted = createTelemetryStore(900);
    const journal = journalOf(counted);
    expect(journal.compact()).toBeGreaterThan(0);
    for (let s = 0; s < 4; s += 1) expect(countSecond(counted, journal, START + s, 10 + s)).toBeGreaterThan(0);
    appendFileSync(files.journalFile, '{"revision":1,"row":[1800000004,77,0,0,[');

    const fresh = loaded();
    for (let s = 0; s < 4; s += 1) {
      for (const revision of revisions) expect(requestsAt(fresh, revision, START + s)).toBe(10 + s);
    }
    expect(fresh.reader.read(1, 'errors5xx', (START + 4) * 1000, 4000).value).toBe(
      counted.reader.read(1, 'errors5xx', (START + 4) * 1000, 4000).value,
    );
    const users = (store: TelemetryStore) => store.reader.users?.(1, (START + 4) * 1000, 10_000);
    expect(users(fresh)?.served).toBe(13);
    expect(users(fresh)).toEqual(users(counted));

    // those seconds came from the journal: the snapshot alone holds none of them
    rmSync(files.journalFile);
    expect(requestsAt(loaded(), 1, START)).toBe(0);
  });

  it('ignores a journal that names an older snapshot (killed between the two writes of a compaction)', () => {
    const counted = createTelemetryStore(900);
    const journal = journalOf(counted);
    journal.compact();
    countSecond(counted, journal, START, 5);
    const stale = join(dir, 'stale.jsonl');
    copyFileSync(files.journalFile, stale);
    journal.compact();
    appendFileSync(stale, `${JSON.stringify({ revision: 1, row: [START, 999, 0, 0, []] })}\n`);
    copyFileSync(stale, files.journalFile);

    expect(requestsAt(loaded(), 1, START)).toBe(5);
  });

  it('writes nothing while idle, appends only closed seconds, and compacts on a new release or a long journal', () => {
    const counted = createTelemetryStore(900);
    const journal = journalOf(counted, { compactAfterLines: 12 });
    const snapshotSize = journal.compact();
    // the second still counting is not written; once it closes it is, once
    counted.forRelease(1).record(START * 1000 + 500, bucketIndex(5), false);
    nowMs = START * 1000 + 900;
    expect(journal.tick()).toBe(0);
    nowMs = (START + 1) * 1000 + 3;
    const appended = journal.tick();
    expect(appended).toBeGreaterThan(0);
    expect(appended).toBeLessThan(snapshotSize);

    const before = [stamp(files.snapshotFile), stamp(files.journalFile)];
    for (let s = 1; s <= 3; s += 1) {
      nowMs = (START + s + 1) * 1000 + 3;
      expect(journal.tick()).toBe(0);
    }
    expect([stamp(files.snapshotFile), stamp(files.journalFile)]).toEqual(before);

    revisions = [1, 2, 3];
    expect(journal.tick()).toBeGreaterThan(snapshotSize); // a compaction: the whole export again
    expect([...loadTelemetry(files.snapshotFile, files.journalFile, createTelemetryStore(900))]).toContain(3);
    for (let s = 5; s < 8; s += 1) countSecond(counted, journal, START + s, 3); // 3 rows + 3 bucket lines each
    const compacted = statSync(files.journalFile).size;
    expect(compacted).toBeLessThan(200); // a fresh journal holds its header only
    for (let s = 5; s < 8; s += 1) expect(requestsAt(loaded(), 3, START + s)).toBe(3);
  });

  it('a journal replaced by another worker is compacted again before this one appends', () => {
    const counted = createTelemetryStore(900);
    const journal = journalOf(counted);
    journal.compact();
    const other = journalOf(createTelemetryStore(900));
    other.compact();
    other.close();
    const written = countSecond(counted, journal, START, 4);
    expect(written).toBeGreaterThan(statSync(files.journalFile).size); // the snapshot again, and a fresh journal
    expect(requestsAt(loaded(), 2, START)).toBe(4);
    journal.close();
    expect(countSecond(counted, journal, START + 1, 4)).toBe(0);
  });
});
