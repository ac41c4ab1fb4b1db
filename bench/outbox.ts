/**
 * The notification outbox under a hung channel: the real SQLite store, the
 * dispatcher with its defaults, two Slack channels on loopback — one receiver
 * that answers 200 and one that never answers (a 5 s send timeout, as a hung
 * Slack would hold a connection). Each round appends 5 rollback events the way
 * Rewind does (store, then `onEvent`) and measures:
 *
 * - emit: until the 5th `onEvent` returned — rollbacks must never wait for a
 *   channel (goal ≤ 1 s with a channel hung);
 * - delivered: until the healthy channel has all 5 (goal ≤ 3 s, well before the
 *   hung channel's 5 s timeout: a hung channel delays only itself);
 * - first message: from the first event's append to its arrival at the healthy
 *   channel (what a person waits for the "rolling back" message).
 *
 * Each round has a fresh store. Run alone: `node dist-bench/bench/outbox.js`
 * (BENCH_ROUNDS=5 for fewer).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createOutboxDispatcher } from '../src/notify/outbox-dispatcher.js';
import { createSlackNotifier } from '../src/notify/slack.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';

const EVENTS = 5;

interface Loopback {
  url: string;
  arrivals: number[];
  close(): Promise<void>;
}

/** A receiver on loopback: answers 200 and notes each arrival's time, or (hung) never answers. */
async function loopback(hung: boolean): Promise<Loopback> {
  const arrivals: number[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (hung) return;
      arrivals.push(Date.now());
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  emitMs: number;
  deliveredMs: number | null;
  firstMs: number | null;
}

async function round(): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-outbox-'));
  const store = createSqliteStore({ path: join(dir, 'state.db') });
  const healthy = await loopback(false);
  const hung = await loopback(true);
  const outbox = createOutboxDispatcher({
    store,
    routes: [{ events: ['rollback.*'], channels: ['hung', 'ok'] }],
    notifiers: [
      createSlackNotifier({ name: 'hung', webhookUrl: `${hung.url}/services/T/B/hung`, timeoutMs: 5000 }),
      createSlackNotifier({ name: 'ok', webhookUrl: `${healthy.url}/services/T/B/ok` }),
    ],
    stopGraceMs: 200,
  });
  outbox.start();
  try {
    const started = Date.now();
    for (let i = 0; i < EVENTS; i += 1) {
      const event = await store.appendEvent(
        {
          type: i === 0 ? 'rollback.initiated' : 'rollback.step-finished',
          service: 'api',
          environment: 'production',
          rollbackId: 'rb_bench',
          message: `event ${i}`,
          data:
            i === 0
              ? {
                  kind: 'automatic',
                  fromRevision: 2,
                  toRevision: 1,
                  fromVersion: 'v2',
                  toVersion: 'v1',
                  reason: 'bench',
                }
              : { index: i - 1, name: 'start', status: 'done', durationMs: 10 },
        },
        Date.now(),
      );
      await outbox.onEvent(event);
    }
    const emitMs = Date.now() - started;
    const deadline = Date.now() + 10_000;
    while (healthy.arrivals.length < EVENTS && Date.now() < deadline) await sleep(5);
    const last = healthy.arrivals[EVENTS - 1];
    const first = healthy.arrivals[0];
    return {
      emitMs,
      deliveredMs: last === undefined ? null : last - started,
      firstMs: first === undefined ? null : first - started,
    };
  } finally {
    await outbox.stop();
    await healthy.close();
    await hung.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : ((sorted[(sorted.length - 1) >> 1] ?? 0) + (sorted[sorted.length >> 1] ?? 0)) / 2;
};
const max = (values: number[]) => (values.length === 0 ? null : Math.max(...values));

export async function outboxBench(rounds = Number(process.env.BENCH_ROUNDS ?? 10)): Promise<BenchFigure[]> {
  const runs: Round[] = [];
  for (let i = 1; i <= rounds; i += 1) {
    const run = await round();
    runs.push(run);
    console.error(
      `outbox ${i}/${rounds}: emit ${run.emitMs} ms, delivered ${run.deliveredMs ?? 'n/a'} ms, first ${run.firstMs ?? 'n/a'} ms`,
    );
  }
  const got = (pick: (r: Round) => number | null) => runs.map(pick).filter((v): v is number => v !== null);
  const note = `${runs.length} rounds of ${EVENTS} rollback events, SQLite store, one Slack channel hung (5 s timeout) and one healthy; delivered in ${got((r) => r.deliveredMs).length}`;
  const figure = (name: string, value: number | null, goalS: number | null): BenchFigure => ({
    bench: 'outbox',
    figure: name,
    value: value === null ? null : value / 1000,
    unit: 's',
    baselines: goalS === null ? [] : [{ name: 'goal', value: goalS, goal: 'at most' }],
    note,
  });
  return [
    figure('emit 5 events, a channel hung (max)', max(got((r) => r.emitMs)), 1),
    figure('all 5 at the healthy channel (median)', median(got((r) => r.deliveredMs)), 3),
    figure('all 5 at the healthy channel (max)', max(got((r) => r.deliveredMs)), 3),
    figure('first message at the healthy channel (median)', median(got((r) => r.firstMs)), null),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printBenchTable(await outboxBench());
}
