/**
 * The haproxy router: Debian's HAProxy as the front door of one service, behind
 * the same TrafficSwitch interface as the built-in switch. HAProxy runs as a
 * process of its own under its supervisor (haproxy-process.ts): with stable
 * files under the state dir it outlives the controller and the next router
 * adopts it, starting from the servers HAProxy reports. Releases change only
 * through the runtime API, each answer checked (server-sync.ts); a change is
 * settled only when `show servers state` reads back what was asked. Telemetry
 * comes from the request log, requests in flight from HAProxy's session
 * counters (in-flight.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { ensurePrivateDir, isOurs, readRun } from '../front-door/files.js';
import type { FrontDoorRun } from '../front-door/files.js';
import { createTelemetryStore } from '../telemetry.js';
import { featureNames } from '../users/feature-paths.js';
import type { TrafficSwitch, Upstream } from '../types.js';
import { WeightTable } from '../weight-table.js';
import { requireHaproxy } from './binary.js';
import { canSuperviseHaproxy, haproxyAlive, launchHaproxy, stopHaproxy, writeHaproxyRun } from './haproxy-process.js';
import type { HaproxyProcess } from './haproxy-process.js';
import { SESSION_POLL_MS, SessionCounts } from './in-flight.js';
import { startLogReceiver } from './log-receiver.js';
import type { LogReceiver } from './log-receiver.js';
import type { HaproxyRouterOptions } from './options.js';
import { freeLocalPort, resolveRouterOptions } from './options.js';
import { runtimeCommand } from './runtime-api.js';
import { awaitRetired } from './handover.js';
import { takeState } from './router-adopt.js';
import { fateOf, stopOrphan, writeRouterConfig } from './router-start.js';
import { createServerSync, saveServers } from './server-sync.js';

/** how many session polls go by between two reads of the run file (a restart under the supervisor) */
const RUN_FILE_EVERY = 5;

export interface HaproxyRouter extends TrafficSwitch {
  /** resolves once HAProxy's own server state shows every change asked for so far; rejects after verifyTimeoutMs */
  settled(): Promise<void>;
  /** stops reading HAProxy and leaves it serving (for a later router to adopt) */
  detach(): Promise<void>;
  /** HAProxy's own pid, not its supervisor's (changes when it was restarted) */
  pid(): number | undefined;
  /** request log lines counted into telemetry */
  readonly logLines: number;
}

export function createHaproxyRouter(options: HaproxyRouterOptions = {}): HaproxyRouter {
  const resolved = resolveRouterOptions(options);
  const binary = requireHaproxy(resolved.binary);
  const clock = resolved.clock ?? systemClock;
  const notice = resolved.notice ?? (() => undefined);
  const featureList = featureNames(resolved.users?.features ?? {});
  const features = featureList.length;
  const telemetry = createTelemetryStore(resolved.retentionSeconds, featureList);
  const paths = resolved.paths;
  const dir = paths?.dir ?? mkdtempSync(path.join(tmpdir(), 'rewind-haproxy-'));
  if (paths) ensurePrivateDir(dir);
  const supervised = paths !== undefined && canSuperviseHaproxy();
  const files = {
    config: paths?.haproxyConfig ?? path.join(dir, 'haproxy.cfg'),
    admin: paths?.haproxyAdmin ?? path.join(dir, 'admin.sock'),
    log: paths?.log ?? path.join(dir, 'haproxy.log'),
  };
  const api = (command: string, timeoutMs?: number): Promise<string> => runtimeCommand(files.admin, command, timeoutMs);
  const sync = createServerSync({ api, clock, drainTimeoutMs: resolved.drainTimeoutMs });
  const { releases, applied } = sync;
  const sessions = new SessionCounts(telemetry, api);
  let queue: Promise<unknown> = Promise.resolve();
  let proc: HaproxyProcess | undefined;
  let logs: LogReceiver | undefined;
  let address: Upstream | undefined;
  let [closing, restarting] = [false, false];
  /** a front door that serves but cannot be adopted: the one started next takes its port over */
  let replacing: FrontDoorRun | undefined;
  let poller: NodeJS.Timeout | undefined;
  let ticks = 0;

  const enqueue = (work: () => Promise<unknown>): Promise<unknown> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const known = (revision: number): boolean => releases.has(revision) || [...applied.values()].includes(revision);
  const reconcile = async (): Promise<void> => {
    const forgotten = await sync.reconcile();
    if (paths) saveServers(paths.weights, sync);
    for (const revision of forgotten) {
      telemetry.forget(revision);
      sessions.forget(revision);
      logs?.forget(revision);
    }
  };

  /** The front door a run file names: adopted with the servers it has when it can be, else what `fateOf` says. */
  async function adopt(): Promise<boolean> {
    const run = paths ? readRun(paths.run) : undefined;
    if (!paths || !run) return false;
    const fate = await fateOf(run, { resolved, files, supervised }, api, clock);
    if (fate === 'hand-over') replacing = run;
    // not serving at all: stopped before a fresh one starts (the one case with a gap: nothing served is lost)
    else if (fate === 'replace') await stopHaproxy(run, clock).then(() => stopOrphan(run, clock));
    else if (fate === 'gone') rmSync(paths.run, { force: true }); // stale: dead or someone else's pid, never signalled
    if (fate !== 'adopt') return false;
    proc = { pid: run.pid, startTime: run.startTime, ...(run.workerPid ? { haproxyPid: run.workerPid } : {}) };
    const adopted = await takeState(run, { api, telemetry, known, clock, features, sync });
    logs = adopted.logs;
    address = { host: run.host, port: run.port };
    notice('adopted', `HAProxy front door of ${resolved.service} adopted (pid ${run.pid})`, {
      pid: run.pid,
      weights: sync.table.weights,
      replayedRequests: adopted.replayed,
    });
    return true;
  }

  async function start(): Promise<void> {
    if (!(await adopt())) {
      const port = replacing?.port ?? (resolved.port === 0 ? await freeLocalPort(resolved.host) : resolved.port);
      logs ??= await startLogReceiver(telemetry, known, clock, 0, 0, features);
      writeRouterConfig(resolved, files, port, logs.port, supervised);
      address = { host: resolved.host, port };
      const from = replacing;
      replacing = undefined;
      const retiredAfterMs = await launch(from);
      const took = from ? `, taking the port over from pid ${from.workerPid ?? from.pid}` : '';
      notice('started', `HAProxy front door of ${resolved.service} started (pid ${proc?.pid ?? '?'}${took})`, {
        ...(from ? { handedOverFrom: from.pid, retiredAfterMs } : {}),
      });
    }
    poller ??= setInterval(watch, SESSION_POLL_MS).unref();
  }

  /** Starts HAProxy (taking the port over from the front door `from` names); gives how long the old one took to end. */
  async function launch(from?: FrontDoorRun): Promise<number> {
    applied.clear();
    const supervisor =
      supervised && paths && address && logs
        ? { service: resolved.service, binary, ...address, logPort: logs.port, paths }
        : undefined;
    proc = await launchHaproxy(binary, files.config, files.admin, files.log, clock, supervisor, from);
    if (paths && address && logs && !supervisor)
      writeHaproxyRun(paths.run, { service: resolved.service, proc, ...address, logPort: logs.port });
    return from ? awaitRetired(from, clock) : 0;
  }

  /** HAProxy's supervisor started a fresh HAProxy (it put the saved servers back): check them all again. */
  function noticeSupervisedRestart(): void {
    const now = paths && proc?.haproxyPid !== undefined ? readRun(paths.run)?.workerPid : undefined;
    if (proc === undefined || now === undefined || now === proc.haproxyPid) return;
    proc.haproxyPid = now;
    applied.clear();
    void enqueue(reconcile);
    notice('restarted', `HAProxy of ${resolved.service} died; its supervisor started it again (pid ${now})`, {});
  }

  /** Supervision: HAProxy (or its supervisor) died under us; bring it back with every server and weight. */
  function watch(): void {
    if (closing || proc === undefined) return;
    ticks += 1;
    if (haproxyAlive(proc) && ticks % RUN_FILE_EVERY === 0) noticeSupervisedRestart();
    if (haproxyAlive(proc)) return void sessions.poll(applied, logs);
    if (restarting) return;
    restarting = true;
    void enqueue(async () => {
      if (closing) return;
      // its supervisor died and the HAProxy it left serves on: the new one takes the port over from it
      const left = paths ? readRun(paths.run) : undefined;
      const from = left && !isOurs(left) && supervised ? left : undefined;
      if (left && !from) await stopOrphan(left, clock);
      await launch(from);
      await reconcile();
      const pid = proc?.haproxyPid ?? proc?.pid ?? '?';
      notice('restarted', `HAProxy front door of ${resolved.service} died; started again (pid ${pid})`, {});
    }).finally(() => (restarting = false));
  }

  const router: HaproxyRouter = {
    async listen() {
      if (closing) throw badRequest('haproxy router is closed; create a new one');
      if (address === undefined) await enqueue(start).catch((error: unknown) => Promise.reject(error));
      if (proc === undefined || address === undefined) throw badRequest('haproxy did not start', 'HAPROXY_START');
      return address;
    },
    setUpstreams(revision, upstreams) {
      if (!Number.isInteger(revision) || revision < 0)
        throw badRequest(`revision must be a non-negative integer (got ${String(revision)})`);
      if (!Array.isArray(upstreams))
        throw badRequest(`upstreams of revision ${revision} must be a list of { host, port }`);
      const copies = upstreams.map(({ host, port }) => ({ host, port }));
      releases.set(revision, copies);
      void enqueue(reconcile);
    },
    removeRelease(revision) {
      sync.table = sync.table.without(revision);
      releases.delete(revision);
      void enqueue(reconcile);
    },
    setWeights(weights) {
      sync.table = WeightTable.from(weights, (revision) => (releases.get(revision)?.length ?? 0) > 0);
      void enqueue(reconcile);
    },
    weights: () => ({ ...sync.table.weights }),
    inFlight: (revision) => sessions.inFlight(revision, applied),
    async drain(revision, timeoutMs) {
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
        throw badRequest(`drain timeout must be ≥ 0 ms (got ${String(timeoutMs)})`);
      const deadline = clock.now() + timeoutMs;
      await queue;
      for (;;) {
        await sessions.refresh().catch(() => undefined);
        if (router.inFlight(revision) === 0) return true;
        if (clock.now() >= deadline) return false;
        await clock.sleep(50);
      }
    },
    telemetry: telemetry.reader,
    settled: () =>
      sync.confirm(() => enqueue(reconcile), resolved.verifyTimeoutMs, `HAProxy (front door of ${resolved.service})`),
    pid: () => proc?.haproxyPid ?? proc?.pid,
    get logLines() {
      return logs?.counted ?? 0;
    },
    async detach() {
      if (closing) return;
      closing = true;
      clearInterval(poller);
      await queue;
      await logs?.close();
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(poller);
      await queue;
      if (proc) await stopHaproxy(proc, clock);
      await logs?.close();
      if (paths) rmSync(paths.run, { force: true });
      else rmSync(dir, { recursive: true, force: true });
    },
  };
  return router;
}
