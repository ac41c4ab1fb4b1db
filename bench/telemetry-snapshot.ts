/**
 * `npm run bench -- telemetry-snapshot`: what the builtin switch's worker spends
 * each second, on its serving event loop, keeping its telemetry for a worker that
 * replaces it (docs/front-door.md). Two releases (a canary at 20 %) with full
 * 900-second rings, a latency histogram spread over a few dozen buckets, 1 % 5xx,
 * users over three features (a quiet and a busy profile); then simulated seconds of the
 * same traffic, each followed by
 * - before: the whole export written every second (writeJson of exportAll since 0),
 * - after: one journal tick (the seconds closed since, appended; a compaction when due),
 * and idle seconds (no request) after them. The clock is simulated, the files real.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJson } from '../src/proxy/front-door/files.js';
import { openTelemetryJournal } from '../src/proxy/front-door/telemetry-journal.js';
import { exportAll } from '../src/proxy/front-door/telemetry-sync.js';
import { bucketIndex } from '../src/proxy/latency-histogram.js';
import { createTelemetryStore } from '../src/proxy/telemetry.js';
import type { TelemetryStore } from '../src/proxy/telemetry.js';
import { createUserHasher } from '../src/proxy/users/user-identity.js';
import type { BenchFigure } from './lib/bench-table.js';

const RETENTION_SECONDS = 900;
/** requests per second of the stable release (the canary gets a quarter of it) and distinct users in the pool */
interface Profile {
  name: string;
  rate: number;
  users: number;
}
const PROFILES: Profile[] = [
  { name: 'quiet', rate: 4, users: 300 },
  { name: 'busy', rate: 40, users: 2000 },
];
const FIRST_SECOND = 1_800_000_000;

/** A small deterministic generator, so every run counts the same traffic. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function trafficOf(store: TelemetryStore, profile: Profile): (second: number) => void {
  const next = random(7);
  const hash = createUserHasher(randomBytes(32).toString('hex'));
  const users = Array.from({ length: profile.users }, (_, i) => hash(`user-${i}`));
  const load = { 1: profile.rate, 2: profile.rate / 4 };
  return (second) => {
    for (const [revision, rate] of Object.entries(load)) {
      const ring = store.forRelease(Number(revision));
      for (let i = 0; i < rate; i += 1) {
        const at = second * 1000 + (i * 1000) / rate;
        // log-normal around 30 ms: most requests in a dozen buckets, a tail further out
        const latency = 30 * Math.exp(0.6 * Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next()));
        const failed = next() < 0.01;
        ring.record(at, bucketIndex(latency), failed);
        ring.recordOutcome(at, failed, users[Math.floor(next() * profile.users)] ?? 0, Math.floor(next() * 3));
      }
    }
  };
}

const quantile = (values: number[], q: number): number =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)] ?? 0;

function timed(work: () => number): [number, number] {
  const started = performance.now();
  const bytes = work();
  return [performance.now() - started, bytes];
}

interface Run {
  ms: number[];
  bytes: number;
}

export function telemetrySnapshotBench(busySeconds = 1000, idleSeconds = 30): BenchFigure[] {
  return PROFILES.flatMap((profile) => measure(profile, busySeconds, idleSeconds));
}

function measure(profile: Profile, busySeconds: number, idleSeconds: number): BenchFigure[] {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-telemetry-bench-'));
  const store = createTelemetryStore(RETENTION_SECONDS, ['checkout', 'search', 'other']);
  const revisions = [1, 2];
  const count = trafficOf(store, profile);
  for (let second = FIRST_SECOND; second < FIRST_SECOND + RETENTION_SECONDS; second += 1) count(second);
  let nowMs = (FIRST_SECOND + RETENTION_SECONDS) * 1000; // the worker's start: its history all closed
  const whole = (): number =>
    writeJson(
      join(dir, 'whole.json'),
      exportAll(revisions, (revision) => store.forRelease(revision), 0),
    );
  const journal = openTelemetryJournal({
    snapshotFile: join(dir, 'telemetry.json'),
    journalFile: join(dir, 'telemetry.jsonl'),
    store,
    revisions: () => revisions,
    now: () => nowMs,
  });
  journal.compact();
  const before: Run = { ms: [], bytes: 0 };
  const after: Run = { ms: [], bytes: 0 };
  const idle: Run = { ms: [], bytes: 0 };
  const compactions: number[] = [];
  let snapshotBytes = 0;
  for (let s = 0; s < busySeconds + idleSeconds; s += 1) {
    const second = FIRST_SECOND + RETENTION_SECONDS + s;
    if (s < busySeconds) count(second);
    nowMs = (second + 1) * 1000 + 5; // the tick just after the second closed
    const [wholeMs, wholeBytes] = timed(whole);
    before.ms.push(wholeMs);
    before.bytes += wholeBytes;
    snapshotBytes = wholeBytes;
    const [tickMs, tickBytes] = timed(journal.tick);
    const into = s < busySeconds ? after : idle;
    into.bytes += tickBytes;
    if (tickBytes > wholeBytes / 2) compactions.push(tickMs);
    else into.ms.push(tickMs);
  }
  journal.close();
  rmSync(dir, { recursive: true, force: true });
  const load = `2 releases (${profile.rate} and ${profile.rate / 4} req/s), 900-s rings, ${profile.users} users, 3 features; ${busySeconds} busy then ${idleSeconds} idle simulated seconds; whole snapshot ${Math.round(snapshotBytes / 1024)} KB`;
  const figure = (name: string, value: number, unit: string, baselines: BenchFigure['baselines']): BenchFigure => ({
    bench: 'telemetry-snapshot',
    figure: `${profile.name}: ${name}`,
    value,
    unit,
    baselines,
    note: `${profile.name}: ${load}`,
  });
  return [
    figure('per second, journal tick (median)', quantile(after.ms, 0.5), 'ms', [
      { name: 'whole snapshot', value: quantile(before.ms, 0.5) },
    ]),
    figure('per second, journal tick (p99)', quantile(after.ms, 0.99), 'ms', [
      { name: 'whole snapshot', value: quantile(before.ms, 0.99) },
    ]),
    figure('per second, journal tick (max, no compaction)', Math.max(...after.ms), 'ms', [
      { name: 'whole snapshot', value: Math.max(...before.ms) },
    ]),
    figure(`compaction (${compactions.length} in ${busySeconds} s, max)`, Math.max(0, ...compactions), 'ms', []),
    figure('bytes written per busy second (compactions included)', after.bytes / busySeconds, 'B', [
      { name: 'whole snapshot', value: snapshotBytes },
    ]),
    figure('bytes written per idle second', idle.bytes / idleSeconds, 'B', [
      { name: 'whole snapshot', value: snapshotBytes },
    ]),
    figure('per idle second, journal tick (max)', Math.max(...idle.ms), 'ms', []),
  ];
}
