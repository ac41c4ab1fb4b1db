/**
 * Controller cost: 1,000 watched releases (command-driver services, one HTTP JSON
 * signal source served on loopback) evaluated every second by `rewind serve`
 * pinned to one core, with the SQLite store and with the PostgreSQL store side by
 * side. Figures over the measured window: evaluation lag p50/p99 (from the
 * controller's own `rewind_evaluation_lag_seconds`, interpolated within its
 * buckets as Prometheus does), the controller's CPU share of its core
 * (utime + stime from /proc over wall time), the share of time its event loop was
 * runnable but waiting for the core (run_delay in /proc/<pid>/schedstat: other
 * processes on that core) and evaluations per second achieved.
 * Goal: lag p99 ≤ 100 ms.
 *
 * Run alone: `node dist-bench/bench/controller-cost.js` after `npm run build`.
 * BENCH_RELEASES (default 1000), BENCH_CONTROLLER_SECONDS (window, default 45),
 * BENCH_STORES (`sqlite,postgres`) change the run; BENCH_CPU_PROF=<dir> writes the
 * controller's V8 CPU profile there.
 */
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { freePort } from '../test/harness/free-port.js';
import { startPostgres, type PostgresHarness } from '../test/harness/postgres.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';
import { hasTaskset, pinProcess, startController, type ControllerProcess } from './lib/controller-process.js';
import { cpuBusySeconds, cpuSeconds, cpuWindow, cpuWindowMatching, runQueueWaitSeconds } from './lib/process-cpu.js';
import { histogramDelta, histogramQuantile, readHistogram } from './lib/prom-histogram.js';
import { deployAll, startSignalServer, writeWatchedProject, type SignalServer } from './lib/watched-project.js';

type StoreKind = 'sqlite' | 'postgres';

export interface ControllerCostRow {
  store: StoreKind;
  releases: number;
  watched: number;
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  /** the p99 fell beyond the last finite bucket: lagP99Ms is that bound, the true value is higher */
  lagP99Beyond: boolean;
  /** controller CPU seconds per wall second (1 = the whole core) */
  cpuShare: number | null;
  /** PostgreSQL backends' CPU seconds per wall second, when the store is PostgreSQL */
  storeCpuShare: number | null;
  /** seconds the controller's event loop waited for its core (other work on it) per wall second */
  waitShare: number | null;
  /** core 0 busy with anything but the controller, per wall second */
  othersShare: number | null;
  evaluationsPerSecond: number;
  skippedPerSecond: number;
  deploySeconds: number;
  windowSeconds: number;
  loadBefore: number;
}

const LAG = 'rewind_evaluation_lag_seconds';
const WARM_UP_MS = 5000;
const GOAL_P99_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitWatched(controller: ControllerProcess, releases: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const watched = (await controller.scrape()).get('rewind_watched_releases') ?? 0;
    if (watched >= releases) return watched;
    if (Date.now() > deadline) throw new Error(`only ${watched} of ${releases} releases are watched`);
    await sleep(500);
  }
}

async function measureStore(
  store: StoreKind,
  signals: SignalServer,
  options: { releases: number; windowMs: number; pin: boolean },
): Promise<ControllerCostRow> {
  let postgres: PostgresHarness | null = null;
  const database = `rewind_ctlcost_${process.pid}`;
  let storeConfig: { type: 'postgres'; url: string } | undefined;
  if (store === 'postgres') {
    postgres = await startPostgres();
    if (!postgres) throw new Error('PostgreSQL binaries are missing: cannot run the PostgreSQL row');
    storeConfig = { type: 'postgres', url: await postgres.createDatabase(database) };
  }
  const project = writeWatchedProject({
    services: options.releases,
    signalUrl: signals.url,
    interval: '1s',
    ...(storeConfig ? { store: storeConfig } : {}),
  });
  let controller: ControllerProcess | null = null;
  try {
    // deploying 1,000 releases is set-up, not the measurement: it may use both cores
    controller = await startController({
      config: project.config,
      cwd: project.dir,
      port: await freePort(),
      ...(process.env.BENCH_CPU_PROF ? { cpuProfileDir: process.env.BENCH_CPU_PROF } : {}),
    });
    const deployStart = performance.now();
    const { retried, conflicted } = await deployAll(controller.url, project.adminToken(), project.services, 4);
    const deploySeconds = (performance.now() - deployStart) / 1000;
    console.error(
      `controller-cost ${store}: ${options.releases} deployed in ${deploySeconds.toFixed(1)} s` +
        (retried > 0 ? ` (${retried} deploys tried again after an election)` : '') +
        (conflicted.length > 0 ? `; ${conflicted.length} left undeployed after a cut deploy` : ''),
    );
    await waitWatched(controller, options.releases - conflicted.length, 60_000);
    if (options.pin && !pinProcess(controller.pid, '0')) throw new Error('taskset could not pin the controller');
    await sleep(WARM_UP_MS);

    const loadBefore = loadavg()[0] ?? 0;
    const running = controller;
    const before = await running.scrape();
    const cpu = cpuWindow(() => cpuSeconds(running.pid));
    const wait = cpuWindow(() => runQueueWaitSeconds(running.pid));
    const core = cpuWindow(() => cpuBusySeconds(0));
    const storeCpu = postgres ? cpuWindowMatching(database) : null;
    await sleep(options.windowMs);
    const after = await running.scrape();
    const cpuShare = cpu.share();
    const waitShare = wait.share();
    const coreShare = core.share();
    const storeCpuShare = storeCpu?.share() ?? null;
    const windowSeconds = cpu.wallSeconds();

    const lag = histogramDelta(readHistogram(before, LAG), readHistogram(after, LAG));
    const skipped =
      (after.get('rewind_evaluations_skipped_total') ?? 0) - (before.get('rewind_evaluations_skipped_total') ?? 0);
    if (process.env.BENCH_DEBUG)
      console.error(`controller-cost ${store}: lag buckets ${JSON.stringify(lag.buckets)}, skipped ${skipped}`);
    const p50 = histogramQuantile(lag, 0.5);
    const p99 = histogramQuantile(lag, 0.99);
    return {
      store,
      releases: options.releases,
      watched: after.get('rewind_watched_releases') ?? 0,
      lagP50Ms: p50 === null ? null : p50 * 1000,
      lagP99Ms: p99 === null ? null : p99 * 1000,
      lagP99Beyond: p99 !== null && p99 >= (lag.buckets.at(-2)?.le ?? Infinity),
      cpuShare,
      storeCpuShare,
      waitShare,
      othersShare: coreShare === null || cpuShare === null ? null : Math.max(0, coreShare - cpuShare),
      evaluationsPerSecond: lag.count / windowSeconds,
      skippedPerSecond: skipped / windowSeconds,
      deploySeconds,
      windowSeconds,
      loadBefore,
    };
  } catch (error) {
    if (controller) console.error(`controller-cost ${store}: controller output:\n${controller.output().slice(-3000)}`);
    throw error;
  } finally {
    await controller?.stop();
    await postgres?.stop();
    project.remove();
  }
}

export async function controllerCostBench(
  options: { releases?: number; windowSeconds?: number; stores?: StoreKind[] } = {},
): Promise<ControllerCostRow[]> {
  const releases = options.releases ?? Number(process.env.BENCH_RELEASES ?? 1000);
  const windowMs = (options.windowSeconds ?? Number(process.env.BENCH_CONTROLLER_SECONDS ?? 45)) * 1000;
  const stores = options.stores ?? storesFromEnv(process.env.BENCH_STORES ?? 'sqlite,postgres');
  const pin = hasTaskset();
  if (!pin) console.error('controller-cost: taskset is missing (util-linux); the controller runs unpinned');
  // this process (signal server, PostgreSQL it starts) keeps off the controller's core
  const movedAway = pin && pinProcess(process.pid, '1');
  const signals = await startSignalServer();
  const rows: ControllerCostRow[] = [];
  try {
    for (const store of stores) {
      console.error(`controller-cost ${store}: ${releases} watched releases, ${windowMs / 1000} s window…`);
      rows.push(await measureStore(store, signals, { releases, windowMs, pin }));
    }
  } finally {
    await signals.close();
    if (movedAway) pinProcess(process.pid, `0-${cpus().length - 1}`);
  }
  return rows;
}

function storesFromEnv(value: string): StoreKind[] {
  const names = value.split(',').filter(Boolean);
  const unknown = names.filter((name) => name !== 'sqlite' && name !== 'postgres');
  if (unknown.length > 0 || names.length === 0)
    throw new Error(`BENCH_STORES=${value}: expected a comma-separated list of sqlite, postgres`);
  return names as StoreKind[];
}

const STORE_NAME: Record<StoreKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** The rows of the one bench table: per store, lag p50 and p99 (with the goal), CPU share, evaluations/s. */
export function controllerCostFigures(rows: ControllerCostRow[]): BenchFigure[] {
  return rows.flatMap((row) => {
    const name = STORE_NAME[row.store];
    const storeCpu = row.storeCpuShare === null ? '' : `, PostgreSQL backends ${(row.storeCpuShare * 100).toFixed(0)}%`;
    const note =
      `${row.releases} command-driver releases watched (${row.watched} at the end), evaluated every 1 s by ` +
      `\`rewind serve\` pinned to core 0; ${row.windowSeconds.toFixed(0)} s window after ${WARM_UP_MS / 1000} s warm-up; ` +
      `lag from rewind_evaluation_lag_seconds (bucket-interpolated); load average ${row.loadBefore.toFixed(1)} on 2 cores, ` +
      `core 0 busy with other processes ${row.othersShare === null ? '?' : (row.othersShare * 100).toFixed(0)}%; ` +
      `evaluations skipped ${row.skippedPerSecond.toFixed(1)}/s; the deploys took ${row.deploySeconds.toFixed(0)} s`;
    const bench = 'controller-cost';
    return [
      { bench, figure: `evaluation lag p50, ${name}`, value: row.lagP50Ms, unit: 'ms', baselines: [], note },
      {
        bench,
        figure: `evaluation lag p99, ${name}${row.lagP99Beyond ? ' (beyond the last bucket: at least)' : ''}`,
        value: row.lagP99Ms,
        unit: 'ms',
        baselines: [{ name: 'goal', value: GOAL_P99_MS, goal: 'at most' as const }],
        note,
      },
      {
        bench,
        figure: `controller CPU share of its core, ${name}${storeCpu}`,
        value: row.cpuShare === null ? null : row.cpuShare * 100,
        unit: '%',
        baselines: [],
        note,
      },
      {
        bench,
        figure: `controller runnable but waiting for its core, ${name}`,
        value: row.waitShare === null ? null : row.waitShare * 100,
        unit: '%',
        baselines: [],
        note,
      },
      {
        bench,
        figure: `evaluations per second, ${name}`,
        value: row.evaluationsPerSecond,
        unit: '/s',
        baselines: [{ name: 'due', value: row.releases }],
        note,
      },
    ];
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printBenchTable(controllerCostFigures(await controllerCostBench()));
}
