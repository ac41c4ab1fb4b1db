/**
 * The haproxy router: Debian's HAProxy as the front door of one service, behind
 * the same TrafficSwitch interface as the built-in switch, so the local driver,
 * triggers, the judge and reports work unchanged. Rewind writes the config,
 * starts HAProxy and restarts it if it dies (then puts every server and weight
 * back), and changes releases only through the runtime API: `add server` +
 * `enable server` for a new instance, `set server … weight` for traffic (all
 * servers in one batch), weight 0 + `disable server` + waiting for its sessions
 * to end before `del server` to drain. Telemetry comes from the request log,
 * requests in flight from HAProxy's session counters (in-flight.ts).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { createTelemetryStore } from '../telemetry.js';
import type { TrafficSwitch, Upstream } from '../types.js';
import { WeightTable } from '../weight-table.js';
import { requireHaproxy } from './binary.js';
import { BACKEND, SERVER_SETTINGS, desiredServers, haproxyConfig } from './haproxy-config.js';
import { SESSION_POLL_MS, SessionCounts } from './in-flight.js';
import { startLogReceiver } from './log-receiver.js';
import type { LogReceiver } from './log-receiver.js';
import type { HaproxyRouterOptions } from './options.js';
import { freeLocalPort, resolveRouterOptions } from './options.js';
import { runtimeCommand } from './runtime-api.js';

export interface HaproxyRouter extends TrafficSwitch {
  /** resolves once every runtime API change asked for so far has been applied */
  settled(): Promise<void>;
  /** HAProxy's pid (changes when it was restarted) */
  pid(): number | undefined;
  /** request log lines counted into telemetry */
  readonly logLines: number;
}

export function createHaproxyRouter(options: HaproxyRouterOptions = {}): HaproxyRouter {
  const resolved = resolveRouterOptions(options);
  const binary = requireHaproxy(resolved.binary);
  const clock = resolved.clock ?? systemClock;
  const telemetry = createTelemetryStore(resolved.retentionSeconds);
  const dir = mkdtempSync(path.join(tmpdir(), 'rewind-haproxy-'));
  const adminSocket = path.join(dir, 'admin.sock');
  const releases = new Map<number, Upstream[]>();
  /** servers HAProxy has now, by name → revision */
  const applied = new Map<string, number>();
  let table = WeightTable.empty;
  let queue: Promise<unknown> = Promise.resolve();
  let child: ChildProcess | undefined;
  let logs: LogReceiver | undefined;
  let address: Upstream | undefined;
  let closing = false;
  let poller: NodeJS.Timeout | undefined;

  const api = (command: string): Promise<string> => runtimeCommand(adminSocket, command);
  const sessions = new SessionCounts(telemetry, api);
  const enqueue = (work: () => Promise<unknown>): Promise<unknown> => {
    queue = queue.then(work, work).catch(() => undefined);
    return queue;
  };
  const serverWeight = (revision: number): number => {
    const percent = table.weights[revision] ?? 0;
    const count = releases.get(revision)?.length ?? 1;
    return percent <= 0 ? 0 : Math.max(1, Math.min(256, Math.round((percent * 256) / 100 / count)));
  };

  /**
   * Makes HAProxy's servers match `releases` and `table` (idempotent; also after
   * a restart). Every release with weight has one server per instance; every
   * warm previous release (weight 0, older) is also there as `backup` servers, which HAProxy
   * uses only when no server with weight is up: a GET the dying release could not
   * answer goes to the warm one. Passive health (a refused connection marks the
   * server down at once) plus a fast connect check tell HAProxy which are up.
   */
  async function reconcile(): Promise<void> {
    const wanted = desiredServers(releases, table.weights);
    for (const [name, { revision, upstream, backup }] of wanted) {
      if (!applied.has(name)) {
        const weight = backup ? 1 : serverWeight(revision);
        await api(
          `add server ${BACKEND}/${name} ${upstream.host}:${upstream.port}${backup ? ' backup' : ''} weight ${weight} ${SERVER_SETTINGS}`,
        );
        await api(`enable server ${BACKEND}/${name}`);
        await api(`enable health ${BACKEND}/${name}`);
        applied.set(name, revision);
      } else {
        await api(`set server ${BACKEND}/${name} addr ${upstream.host} port ${upstream.port}`);
      }
    }
    // One batch: every weight changes in the same instant.
    const weights = [...wanted]
      .filter(([, { backup }]) => !backup)
      .map(([name, { revision }]) => `set server ${BACKEND}/${name} weight ${serverWeight(revision)}`);
    if (weights.length > 0) await api(weights.join(';'));
    for (const [name, revision] of [...applied]) if (!wanted.has(name)) await retireServer(name, revision);
  }

  /** Drains one server: no new requests, its sessions finish, then it goes. */
  async function retireServer(name: string, revision: number): Promise<void> {
    await api(`set server ${BACKEND}/${name} weight 0`);
    await api(`disable server ${BACKEND}/${name}`);
    const deadline = clock.now() + resolved.drainTimeoutMs;
    for (;;) {
      const answer = await api(`del server ${BACKEND}/${name}`);
      if (/deleted|No such server/i.test(answer)) break;
      if (clock.now() >= deadline) {
        await api(`shutdown sessions server ${BACKEND}/${name}`);
      }
      await clock.sleep(100);
    }
    applied.delete(name);
    if (!releases.has(revision) && ![...applied.values()].includes(revision)) {
      telemetry.forget(revision);
      sessions.forget(revision);
      logs?.forget(revision);
    }
  }

  async function startHaproxy(): Promise<void> {
    const port = resolved.port === 0 ? await freeLocalPort(resolved.host) : resolved.port;
    logs ??= await startLogReceiver(telemetry, (revision) => releases.has(revision) || hasServers(revision), clock);
    poller ??= setInterval(() => {
      if (!closing && child !== undefined) void sessions.poll(applied, logs);
    }, SESSION_POLL_MS).unref();
    const config = haproxyConfig({
      host: resolved.host,
      port,
      adminSocket,
      logPort: logs.port,
      connectTimeoutMs: resolved.connectTimeoutMs,
      upstreamTimeoutMs: resolved.upstreamTimeoutMs,
      clientKeepAliveTimeoutMs: resolved.clientKeepAliveTimeoutMs,
      trustForwardedFrom: resolved.trustForwardedFrom,
    });
    const file = path.join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    address = { host: resolved.host, port };
    await launch(file);
  }

  const hasServers = (revision: number): boolean => [...applied.values()].includes(revision);

  async function launch(file: string): Promise<void> {
    applied.clear();
    const started = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    started.once('exit', () => {
      if (closing || child !== started) return;
      // Supervision: HAProxy died under us; bring it back with every server and weight.
      child = undefined;
      void clock.sleep(200).then(() =>
        enqueue(async () => {
          if (closing) return;
          await launch(file);
          await reconcile();
        }),
      );
    });
    const deadline = clock.now() + 10_000;
    for (;;) {
      if (started.exitCode !== null)
        throw badRequest(`haproxy exited at start (${started.exitCode}): ${stderr.trim()}`, 'HAPROXY_START');
      const ready = await api('show info').then(
        () => true,
        () => false,
      );
      if (ready) return;
      if (clock.now() > deadline)
        throw badRequest(`haproxy did not open its runtime API within 10 s: ${stderr.trim()}`, 'HAPROXY_START');
      await clock.sleep(25);
    }
  }

  const router: HaproxyRouter = {
    async listen() {
      if (closing) throw badRequest('haproxy router is closed; create a new one');
      if (address === undefined) await enqueue(startHaproxy);
      if (child === undefined || address === undefined) throw badRequest('haproxy did not start', 'HAPROXY_START');
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
      table = table.without(revision);
      releases.delete(revision);
      void enqueue(reconcile);
    },
    setWeights(weights) {
      table = WeightTable.from(weights, (revision) => (releases.get(revision)?.length ?? 0) > 0);
      void enqueue(reconcile);
    },
    weights: () => ({ ...table.weights }),
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
    settled: () => queue.then(() => undefined),
    pid: () => child?.pid,
    get logLines() {
      return logs?.counted ?? 0;
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(poller);
      await queue;
      const running = child;
      child = undefined;
      if (running && running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        const timer = setTimeout(() => running.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      await logs?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return router;
}
