/**
 * The controller's side of the builtin switch running in its own process: the
 * same TrafficSwitch interface as the in-process switch, so the local driver,
 * triggers, the judge and reports do not know the difference. Changes are
 * kept here as the desired state and pushed whole over the control channel; a
 * change is settled only when the front door's own answer, read back, matches
 * it — otherwise it is retried until `verifyTimeoutMs` and then fails.
 * Telemetry is mirrored every `syncMs`, the seconds counted while no controller
 * was connected included. Closing it leaves the front door serving.
 */
import { UserError } from '../../core/errors.js';
import { createTelemetryStore } from '../telemetry.js';
import type { TrafficSwitch, Upstream } from '../types.js';
import { WeightTable } from '../weight-table.js';
import type { FrontDoorState, TelemetryExport } from './control-channel.js';
import { controlCall } from './control-channel.js';
import { isOurs, readRun } from './files.js';
import { openSwitchProcess } from './switch-process.js';
import type { SwitchProcessConfig } from './switch-config.js';
import { stopFrontDoor } from './stop.js';
import { importExport } from './telemetry-sync.js';
import { sameDataPlane } from './read-back.js';
import { featureNames } from '../users/feature-paths.js';

export interface RemoteSwitchOptions {
  config: SwitchProcessConfig;
  /** seconds of telemetry mirrored per release; default 900 */
  retentionSeconds?: number;
  /** how often telemetry and the front door's state are read; default 250 ms */
  syncMs?: number;
  /** how long a change may take to be confirmed by the front door; default 10000 ms */
  verifyTimeoutMs?: number;
  /** what the controller should record: an adoption, a restart of the front door and its gap */
  notice?: (kind: 'adopted' | 'started' | 'restarted', message: string, data: Record<string, unknown>) => void;
}

export interface RemoteSwitch extends TrafficSwitch {
  settled(): Promise<void>;
  /** leaves the front door serving, stops reading it */
  detach(): Promise<void>;
  /** the front door's process (supervisor) and serving worker */
  pids(): { pid: number; workerPid: number } | undefined;
}

export function createRemoteSwitch(options: RemoteSwitchOptions): RemoteSwitch {
  const { config } = options;
  const socket = config.paths.control;
  const mirror = createTelemetryStore(
    options.retentionSeconds ?? 900,
    featureNames(config.options.users?.features ?? {}),
  );
  const known = new Set<number>();
  const desired = new Map<number, Upstream[]>();
  let table = WeightTable.empty;
  let state: FrontDoorState | undefined;
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const verifyTimeoutMs = options.verifyTimeoutMs ?? 10_000;
  const notice = options.notice ?? (() => undefined);

  const wanted = () => ({
    releases: Object.fromEntries([...desired].map(([revision, ups]) => [String(revision), ups])),
    weights: Object.fromEntries(Object.entries(table.weights).map(([revision, weight]) => [revision, weight])),
  });

  /** Pushes the desired state until the front door's answer matches it; throws after verifyTimeoutMs. */
  async function push(): Promise<void> {
    const deadline = Date.now() + verifyTimeoutMs;
    let problem = 'no answer yet';
    for (;;) {
      const asked = wanted();
      try {
        const answer = await controlCall<FrontDoorState>(socket, { op: 'apply', ...asked }, 3000);
        observe(answer);
        const mismatch = sameDataPlane(asked, answer);
        if (mismatch === null) {
          // the telemetry up to this instant, so a read right after the change (a rollback's impact) is complete
          await sync(true);
          return;
        }
        problem = mismatch;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
        await watchdog();
      }
      if (Date.now() >= deadline)
        throw new UserError(
          'FRONT_DOOR_UNCONFIRMED',
          `the front door of ${config.service} did not confirm the change within ${verifyTimeoutMs} ms: ${problem}`,
          { status: 503 },
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  function observe(next: FrontDoorState): void {
    if (state && next.restarts > state.restarts && next.pid === state.pid) {
      const gapMs = next.lastGapMs;
      notice('restarted', `the front door of ${config.service} restarted its worker (now pid ${next.workerPid})`, {
        restarts: next.restarts,
        workerPid: next.workerPid,
        gapMs,
      });
    }
    state = next;
  }

  /** The front door's process is gone (killed, crashed): start it again from its saved weights. */
  async function watchdog(): Promise<void> {
    const run = readRun(config.paths.run);
    if (run && isOurs(run)) return;
    const opened = await openSwitchProcess(config);
    state = opened.state;
    notice('restarted', `the front door of ${config.service} was gone; started again (pid ${opened.run.pid})`, {
      pid: opened.run.pid,
    });
  }

  async function readOnce(): Promise<void> {
    try {
      const exported = await controlCall<TelemetryExport>(socket, { op: 'telemetry', since }, 2000);
      const newest = importExport(mirror, exported, known);
      if (newest >= 0) since = newest;
      observe(await controlCall<FrontDoorState>(socket, { op: 'state' }, 2000));
    } catch {
      await watchdog().catch(() => undefined);
    }
  }
  /** One read at a time; `fresh` waits for a read started before it and reads again. */
  async function sync(fresh = false): Promise<void> {
    if (syncing && !fresh) return syncing;
    if (syncing) await syncing;
    syncing = readOnce().finally(() => (syncing = undefined));
    return syncing;
  }

  return {
    async listen() {
      const opened = await openSwitchProcess(config);
      state = opened.state;
      // adopted: start from what the front door has, so the first reconcile changes only what differs
      for (const [revision, ups] of Object.entries(opened.state.releases)) desired.set(Number(revision), ups);
      table = WeightTable.from(opened.state.weights, (revision) => (desired.get(revision)?.length ?? 0) > 0);
      const how = opened.adopted
        ? 'adopted'
        : opened.handedOverFrom
          ? `started, handed the socket over by pid ${opened.handedOverFrom.pid}`
          : 'started';
      notice(opened.adopted ? 'adopted' : 'started', `front door of ${config.service} ${how} (pid ${opened.run.pid})`, {
        pid: opened.run.pid,
        weights: opened.state.weights,
        ...(opened.handedOverFrom
          ? { handedOverFrom: opened.handedOverFrom.pid, retiredAfterMs: opened.handedOverFrom.retiredAfterMs }
          : {}),
      });
      await sync();
      timer ??= setInterval(() => void sync(), options.syncMs ?? 250);
      timer.unref();
      return { host: opened.state.host, port: opened.state.port };
    },
    setUpstreams(revision, upstreams) {
      desired.set(
        revision,
        upstreams.map((u) => ({ host: u.host, port: u.port })),
      );
    },
    removeRelease(revision) {
      desired.delete(revision);
      table = table.without(revision);
      // its mirrored telemetry stays readable for reports while retained, then goes
      const retention = (options.retentionSeconds ?? 900) * 1000;
      setTimeout(() => {
        if (!desired.has(revision)) {
          mirror.forget(revision);
          known.delete(revision);
        }
      }, retention).unref();
    },
    setWeights(weights) {
      table = WeightTable.from(weights, (revision) => (desired.get(revision)?.length ?? 0) > 0);
    },
    weights: () => ({ ...table.weights }),
    inFlight: (revision) => (known.has(revision) ? mirror.forRelease(revision).pending.size : 0),
    async drain(revision, timeoutMs) {
      await enqueue(push);
      const answer = await controlCall<{ drained: boolean }>(
        socket,
        { op: 'drain', revision, timeoutMs },
        timeoutMs + 3000,
      );
      return answer.drained;
    },
    telemetry: mirror.reader,
    settled: () => enqueue(push),
    pids: () => (state ? { pid: state.pid, workerPid: state.workerPid } : undefined),
    async detach() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await queue;
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      const run = readRun(config.paths.run);
      if (run) await stopFrontDoor(config.paths, run);
    },
  };
}
