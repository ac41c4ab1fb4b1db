/**
 * The builtin switch's serving worker, forked by its supervisor
 * (switch-supervisor.ts). The first worker binds the front door and hands the
 * listening socket to the supervisor; every later one serves on that same
 * socket, so connections that arrive while a worker restarts wait in the
 * kernel's backlog instead of being refused. It starts from the weights kept
 * beside the run file and keeps them current, so no controller is needed to
 * come back; the control channel answers the controller.
 */
import { createTrafficSwitch } from '../traffic-switch.js';
import type { Upstream } from '../types.js';
import { CONTROL_PROTOCOL, readJson, writeJson } from './files.js';
import type { ControlRequest, FrontDoorState } from './control-channel.js';
import { serveControl } from './control-channel.js';
import type { SavedWeights, StartMessage, WorkerMessage } from './switch-config.js';
import { handOver, thisRewind } from './switch-succession.js';
import type { Successor } from './switch-succession.js';
import { openTelemetryJournal } from './telemetry-journal.js';
import { loadTelemetry } from './telemetry-restore.js';
import { exportAll } from './telemetry-sync.js';

/** how long requests in flight may take to finish once a successor serves */
const HAND_OVER_GRACE_MS = 30_000;
/** how often the seconds closed since are journaled for a worker that replaces this one (nothing when idle) */
const JOURNAL_EVERY_MS = 1000;

const send = (message: WorkerMessage, handle?: object): void => {
  // the handle type Node's IPC accepts: a listening TCP handle
  process.send?.(message, handle as Parameters<NonNullable<typeof process.send>>[1]);
};

async function start(message: StartMessage, handle: object | undefined): Promise<void> {
  const { config } = message;
  const sw = createTrafficSwitch({ ...config.options, host: config.host, port: config.port });
  const releases = new Map<number, Upstream[]>();
  let port = config.port;
  let lastGapMs: number | null = null;

  const apply = (saved: SavedWeights): void => {
    const wanted = new Map(Object.entries(saved.releases).map(([revision, ups]) => [Number(revision), ups]));
    for (const [revision, upstreams] of wanted) sw.setUpstreams(revision, upstreams);
    for (const revision of [...releases.keys()]) if (!wanted.has(revision)) sw.removeRelease(revision);
    releases.clear();
    for (const [revision, upstreams] of wanted) releases.set(revision, upstreams);
    sw.setWeights(saved.weights);
  };
  const state = (): FrontDoorState => ({
    protocol: CONTROL_PROTOCOL,
    pid: process.ppid,
    workerPid: process.pid,
    host: config.host,
    port,
    releases: Object.fromEntries([...releases].map(([revision, ups]) => [String(revision), ups])),
    weights: Object.fromEntries(Object.entries(sw.weights()).map(([revision, weight]) => [revision, weight])),
    inFlight: Object.fromEntries([...releases.keys()].map((revision) => [String(revision), sw.inFlight(revision)])),
    restarts: message.restarts,
    lastRestartAt: message.lastRestartAt,
    lastGapMs,
  });

  const saved = readJson<SavedWeights>(config.paths.weights);
  if (saved) {
    try {
      apply(saved);
    } catch (error) {
      process.stderr.write(`front door: the saved weights could not be applied: ${String(error)}\n`);
    }
  }
  // what the worker before this one counted (it died, or handed over): counting goes on from there
  const snapshotFile = config.paths.telemetry;
  // a supervisor started by an older Rewind hands paths without the journal's
  const journalFile = (config.paths.telemetryJournal as string | undefined) ?? `${snapshotFile}l`;
  loadTelemetry(snapshotFile, journalFile, sw.store);
  const journal = openTelemetryJournal({
    snapshotFile,
    journalFile,
    store: sw.store,
    revisions: () => releases.keys(),
  });
  const keep = (write: () => number): void => {
    try {
      write();
    } catch (error) {
      process.stderr.write(`front door: the telemetry snapshot could not be written: ${String(error)}\n`);
    }
  };
  keep(journal.compact);
  const journaling = setInterval(() => keep(journal.tick), JOURNAL_EVERY_MS).unref();
  try {
    const address = await sw.listen(handle);
    port = address.port;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'LISTEN';
    send({ type: 'failed', code, message: error instanceof Error ? error.message : String(error) });
    process.exit(3);
  }
  if (handle === undefined) send({ type: 'bound' }, sw.listeningHandle());

  let stopping = false;
  let handing = false;
  const handleControl = async (request: ControlRequest): Promise<unknown> => {
    switch (request.op) {
      case 'state':
        return state();
      case 'apply': {
        const next: SavedWeights = { releases: request.releases, weights: request.weights };
        apply(next);
        writeJson(config.paths.weights, next);
        return state();
      }
      case 'drain':
        return { drained: await sw.drain(request.revision, request.timeoutMs) };
      case 'telemetry':
        return exportAll(releases.keys(), (revision) => sw.store.forRelease(revision), request.since);
      case 'hand-over':
        return { successor: passSocket({ node: request.node, script: request.script, config: request.config }) };
      default:
        throw new Error(`unknown operation ${JSON.stringify((request as { op?: unknown }).op)}`);
    }
  };
  await serveControl(config.paths.control, handleControl);
  if (message.lastRestartAt !== null) lastGapMs = Math.max(0, Date.now() - message.lastRestartAt);
  send({ type: 'ready', port });

  const stop = (): void => {
    stopping = true;
    clearInterval(journaling);
    keep(journal.compact); // the second still counting too
    journal.close();
    void sw.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  // the successor serves the socket now: requests in flight here finish, then this worker goes
  const retire = async (): Promise<void> => {
    stopping = true;
    clearInterval(journaling); // the successor's worker writes them now
    journal.close();
    // a supervisor still alive (a controller's hand-over) exits with this worker instead of starting another
    if (process.connected) send({ type: 'handed-over' });
    await sw.stopListening(HAND_OVER_GRACE_MS);
    await sw.close();
    process.exit(0);
  };
  /** one hand-over at a time; the successor's pid */
  function passSocket(successor: Successor, why = 'a controller asked for a hand-over'): number {
    const listening = sw.listeningHandle();
    if (stopping || handing || !listening) throw new Error('this worker is stopping or already handing over');
    handing = true;
    return handOver(
      successor,
      listening,
      why,
      () => void retire(),
      () => (handing = false),
    );
  }
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => undefined);
  // the supervisor is gone (not stopped by us): serve on, and hand the socket to a successor
  process.on('disconnect', () => {
    if (!stopping && !handing) passSocket(thisRewind(config), 'its supervisor is gone');
  });
}

process.on('message', (message: StartMessage, handle: object | undefined) => {
  if (message.type === 'start') void start(message, handle);
});
