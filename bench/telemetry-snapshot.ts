/**
 * `npm run bench -- telemetry-snapshot`: what the builtin switch's worker spends
 * each second, on its serving event loop, keeping its telemetry for a worker that
 * replaces it (docs/front-door.md). Two releases (a canary at 20 %) with full
 * 900-second rings, a latency histogram spread over a few dozen buckets, 1 % 5xx,
 * users over three features (a quiet and a busy profile); then simulated seconds of the
 * same traffic, then idle seconds (no request), each second followed by
 * - before: the whole export written (writeJson of exportAll since 0), or
 * - after: one journal tick (the seconds closed since, appended; a compaction when due),
 * in two separate runs (so one's garbage is not collected in the other's timing).
 * The clock is simulated, the files real.
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

/** One second's write on the loop: how long it took and the bytes it wrote. */
interface Sample {
  ms: number;
  /** CPU ms of this process meanwhile: the same work, minus the time the machine ran others */
  cpuMs: number;
  bytes: number;
  busy: boolean;
}

/** Makes the per-second write under test, over `store`, in `dir`, at the simulated clock. */
type Writer = (store: TelemetryStore, dir: string, now: () => number) => () => number;

const REVISIONS = [1, 2];

const wholeExport: Writer = (store, dir) => () =>
  writeJson(
    join(dir, 'whole.json'),
    exportAll(REVISIONS, (revision) => store.forRelease(revision), 0),
  );

const journalTick: Writer = (store, dir, now) => {
  const journal = openTelemetryJournal({
    snapshotFile: join(dir, 'telemetry.json'),
    journalFile: join(dir, 'telemetry.jsonl'),
    store,
    revisions: () => REVISIONS,
    now,
  });
  journal.compact(); // the worker's start
  return journal.tick;
};

/** Full rings, then `busy` seconds of traffic and `idle` without, each followed by one write. */
function simulate(profile: Profile, busy: number, idle: number, writer: Writer): Sample[] {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-telemetry-bench-'));
  const store = createTelemetryStore(RETENTION_SECONDS, ['checkout', 'search', 'other']);
  const count = trafficOf(store, profile);
  for (let second = FIRST_SECOND; second < FIRST_SECOND + RETENTION_SECONDS; second += 1) count(second);
  let nowMs = (FIRST_SECOND + RETENTION_SECONDS) * 1000; // the worker's start: its history all closed
  const write = writer(store, dir, () => nowMs);
  const samples: Sample[] = [];
  for (let s = 0; s < busy + idle; s += 1) {
    const second = FIRST_SECOND + RETENTION_SECONDS + s;
    if (s < busy) count(second);
    nowMs = (second + 1) * 1000 + 5; // the tick just after the second closed
    const started = performance.now();
    const cpu = process.cpuUsage();
    const bytes = write();
    const used = process.cpuUsage(cpu);
    samples.push({ ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, bytes, busy: s < busy });
  }
  rmSync(dir, { recursive: true, force: true });
  return samples;
}

export function telemetrySnapshotBench(busySeconds = 1000, idleSeconds = 30): BenchFigure[] {
  return PROFILES.flatMap((profile) => measure(profile, busySeconds, idleSeconds));
}

function measure(profile: Profile, busySeconds: number, idleSeconds: number): BenchFigure[] {
  const whole = simulate(profile, busySeconds, idleSeconds, wholeExport);
  const ticks = simulate(profile, busySeconds, idleSeconds, journalTick);
  const snapshotBytes = whole[whole.length - 1]?.bytes ?? 0;
  const isCompaction = (sample: Sample): boolean => sample.bytes > snapshotBytes / 2;
  const before = whole.map((sample) => sample.ms);
  const busyTicks = ticks.filter((sample) => sample.busy && !isCompaction(sample));
  const after = busyTicks.map((sample) => sample.ms);
  const compactions = ticks.filter(isCompaction).map((sample) => sample.ms);
  const idle = ticks.filter((sample) => !sample.busy);
  const busyBytes = ticks.filter((sample) => sample.busy).reduce((sum, sample) => sum + sample.bytes, 0);
  const idleBytes = idle.reduce((sum, sample) => sum + sample.bytes, 0);
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
    figure('per second, journal tick (median)', quantile(after, 0.5), 'ms', [
      { name: 'whole snapshot', value: quantile(before, 0.5) },
    ]),
    figure('per second, journal tick (p99)', quantile(after, 0.99), 'ms', [
      { name: 'whole snapshot', value: quantile(before, 0.99) },
    ]),
    figure('per second, journal tick (max, no compaction)', Math.max(...after), 'ms', [
      { name: 'whole snapshot', value: Math.max(...before) },
    ]),
    figure('per second, journal tick (CPU, max, no compaction)', Math.max(...busyTicks.map((t) => t.cpuMs)), 'ms', [
      { name: 'whole snapshot', value: Math.max(...whole.map((sample) => sample.cpuMs)) },
    ]),
    figure(`compaction (${compactions.length} in ${busySeconds} s, max)`, Math.max(0, ...compactions), 'ms', []),
    figure('bytes written per busy second (compactions included)', busyBytes / busySeconds, 'B', [
      { name: 'whole snapshot', value: snapshotBytes },
    ]),
    figure('bytes written per idle second', idleBytes / idleSeconds, 'B', [
      { name: 'whole snapshot', value: snapshotBytes },
    ]),
    figure('per idle second, journal tick (max)', Math.max(...idle.map((sample) => sample.ms)), 'ms', []),
  ];
}
