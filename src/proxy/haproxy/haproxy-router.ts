/**
 * The haproxy router: Debian's HAProxy as the front door of one service, behind
 * the same TrafficSwitch interface as the built-in switch, so the local driver,
 * triggers, the judge and reports work unchanged. HAProxy runs as a process of
 * its own (haproxy-process.ts): with stable files under the state dir it
 * outlives the controller and the next router adopts it, starting from the
 * servers HAProxy reports. Releases change only through the runtime API, each
 * answer checked: `add server` + `enable server` for a new instance, `set
 * server … weight` for traffic (all servers in one batch), weight 0 + `disable
 * server` + waiting for its sessions to end before `del server` to drain. A
 * change is settled only when `show servers state` reads back what was asked.
 * Telemetry comes from the request log, requests in flight from HAProxy's
 * session counters (in-flight.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { ensurePrivateDir, isOurs, readRun } from '../front-door/files.js';
import { createTelemetryStore } from '../telemetry.js';
import { featureNames } from '../users/feature-paths.js';
import { userSecret } from '../users/user-identity.js';
import type { TrafficSwitch, Upstream } from '../types.js';
import { WeightTable } from '../weight-table.js';
import { requireHaproxy } from './binary.js';
import { BACKEND, LOG_RING, haproxyConfig } from './haproxy-config.js';
import { haproxyAlive, launchHaproxy, stopHaproxy, writeHaproxyRun } from './haproxy-process.js';
import type { HaproxyProcess } from './haproxy-process.js';
import { SESSION_POLL_MS, SessionCounts } from './in-flight.js';
import { startLogReceiver } from './log-receiver.js';
import type { LogReceiver } from './log-receiver.js';
import type { HaproxyRouterOptions } from './options.js';
import { freeLocalPort, resolveRouterOptions } from './options.js';
import { runtimeCommand } from './runtime-api.js';
import { createServerSync } from './server-sync.js';
import { parseServersState, releasesFromServers } from './server-state.js';

export interface HaproxyRouter extends TrafficSwitch {
  /** resolves once HAProxy's own server state shows every change asked for so far; rejects after verifyTimeoutMs */
  settled(): Promise<void>;
  /** stops reading HAProxy and leaves it serving (for a later router to adopt) */
  detach(): Promise<void>;
  /** HAProxy's pid (changes when it was restarted) */
  pid(): number | undefined;
  /** request log lines counted into telemetry */
  readonly logLines: number;
}

export function createHaproxyRouter(options: HaproxyRouterOptions = {}): HaproxyRouter {
  const resolved = resolveRouterOptions(options);
  const binary = requireHaproxy(resolved.binary);
  const clock = resolved.clock ?? systemClock;
  const notice = resolved.notice ?? (() => undefined);
  const users = resolved.users;
  const features = featureNames(users?.features ?? {}).length;
  const telemetry = createTelemetryStore(resolved.retentionSeconds, featureNames(users?.features ?? {}));
  const paths = resolved.paths;
  const dir = paths?.dir ?? mkdtempSync(path.join(tmpdir(), 'rewind-haproxy-'));
  if (paths) ensurePrivateDir(dir);
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
  let closing = false;
  let restarting = false;
  let poller: NodeJS.Timeout | undefined;

  const enqueue = (work: () => Promise<unknown>): Promise<unknown> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const known = (revision: number): boolean => releases.has(revision) || [...applied.values()].includes(revision);
  const reconcile = async (): Promise<void> => {
    const forgotten = await sync.reconcile();
    for (const revision of forgotten) {
      telemetry.forget(revision);
      sessions.forget(revision);
      logs?.forget(revision);
    }
  };

  /** A HAProxy left by an earlier controller: adopted when it is ours and answers, with the servers it has. */
  async function adopt(): Promise<boolean> {
    if (!paths) return false;
    const run = readRun(paths.run);
    if (!run) return false;
    if (!isOurs(run)) {
      rmSync(paths.run, { force: true }); // stale: the pid is dead or someone else's now, never signalled
      return false;
    }
    const answers = await api('show info').then(
      () => true,
      () => false,
    );
    if (!answers || run.router !== 'haproxy' || (resolved.port !== 0 && run.port !== resolved.port)) {
      await stopHaproxy(run, clock);
      return false;
    }
    proc = { pid: run.pid, startTime: run.startTime };
    // Requests that finished before this instant come from the ring's dump below (what
    // the controller before this one counted, and the seconds when none listened);
    // later ones from the stream, which resumes where the last controller left it.
    const since = Date.now();
    logs = await startLogReceiver(telemetry, known, clock, run.logPort ?? 0, since, features).catch(() =>
      startLogReceiver(telemetry, known, clock, 0, since, features),
    );
    const rebuilt = releasesFromServers(parseServersState(await api(`show servers state ${BACKEND}`), BACKEND));
    for (const [revision, ups] of rebuilt.releases) releases.set(revision, ups);
    for (const [name, revision] of rebuilt.applied) applied.set(name, revision);
    const replayed = await api(`show events ${LOG_RING}`, 15_000).then(
      (dump) => logs?.replay(dump) ?? 0,
      () => 0,
    );
    sync.table = WeightTable.from(rebuilt.weights, (revision) => (releases.get(revision)?.length ?? 0) > 0);
    address = { host: run.host, port: run.port };
    notice('adopted', `HAProxy front door of ${resolved.service} adopted (pid ${run.pid})`, {
      pid: run.pid,
      weights: sync.table.weights,
      replayedRequests: replayed,
    });
    return true;
  }

  async function start(): Promise<void> {
    if (!(await adopt())) {
      const port = resolved.port === 0 ? await freeLocalPort(resolved.host) : resolved.port;
      logs ??= await startLogReceiver(telemetry, known, clock, 0, 0, features);
      const config = haproxyConfig({
        host: resolved.host,
        port,
        adminSocket: files.admin,
        logPort: logs.port,
        ...(users === undefined
          ? {}
          : {
              users: {
                ...(users.key === undefined ? {} : { key: users.key }),
                features: users.features,
                secretHex: userSecret(users.secretFile),
              },
            }),
        connectTimeoutMs: resolved.connectTimeoutMs,
        upstreamTimeoutMs: resolved.upstreamTimeoutMs,
        clientKeepAliveTimeoutMs: resolved.clientKeepAliveTimeoutMs,
        trustForwardedFrom: resolved.trustForwardedFrom,
      });
      writeFileSync(files.config, config, { mode: 0o600 });
      address = { host: resolved.host, port };
      await launch();
      notice('started', `HAProxy front door of ${resolved.service} started (pid ${proc?.pid ?? '?'})`, {});
    }
    poller ??= setInterval(watch, SESSION_POLL_MS).unref();
  }

  async function launch(): Promise<void> {
    applied.clear();
    proc = await launchHaproxy(binary, files.config, files.admin, files.log, clock);
    if (paths && address && logs)
      writeHaproxyRun(paths.run, { service: resolved.service, proc, ...address, logPort: logs.port });
  }

  /** Supervision: HAProxy died under us; bring it back with every server and weight. */
  function watch(): void {
    if (closing || proc === undefined) return;
    if (haproxyAlive(proc)) return void sessions.poll(applied, logs);
    if (restarting) return;
    restarting = true;
    void enqueue(async () => {
      if (closing) return;
      await launch();
      await reconcile();
      notice(
        'restarted',
        `HAProxy front door of ${resolved.service} died; started again (pid ${proc?.pid ?? '?'})`,
        {},
      );
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
      releases.set(
        revision,
        upstreams.map(({ host, port }) => ({ host, port })),
      );
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
    pid: () => proc?.pid,
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
