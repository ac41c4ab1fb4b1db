/**
 * The builtin switch's own process: a small supervisor, started detached (its
 * own process group and session, so neither a terminal's Ctrl-C nor the
 * controller's death reaches it). It forks the serving worker, keeps the
 * listening socket the first worker bound, and when a worker dies forks a fresh
 * one on the same socket at once — the way nginx's master keeps its listeners
 * across workers. It writes the run file the next controller adopts it from.
 *
 * Run as `node switch-supervisor.js '<SwitchProcessConfig as JSON>'`. With a
 * second argument `--succeed`, it is the successor a worker forked when its own
 * supervisor died or a controller asked it to hand over (switch-succession.ts):
 * it takes the listening socket from that worker instead of binding, and tells
 * it once its own worker serves. A worker that handed its socket over says so,
 * and this supervisor then exits with it instead of starting another.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONTROL_PROTOCOL, startTimeOf, writeJson } from './files.js';
import type { FrontDoorRun } from './files.js';
import { keepAlive } from './keep-alive.js';
import type { KeepAlive } from './keep-alive.js';
import { optionsDigest } from './switch-config.js';
import type { StartMessage, SuccessionMessage, SwitchProcessConfig, WorkerMessage } from './switch-config.js';

const WORKER = fileURLToPath(new URL('./switch-worker.js', import.meta.url));
/** a worker that handed its socket over has this long to finish its requests (its own grace is 30 s) */
const RETIRE_GRACE_MS = 35_000;

const config = JSON.parse(process.argv[2] ?? '{}') as SwitchProcessConfig;
const succeeding = process.argv[3] === '--succeed';
const startedAt = Date.now();
let listening: object | undefined;
let alive: KeepAlive | undefined;

const log = (line: string): void =>
  void process.stderr.write(`${new Date().toISOString()} front door ${config.service}: ${line}\n`);

function writeRun(workerPid: number, port: number): void {
  const run: FrontDoorRun = {
    service: config.service,
    router: 'builtin',
    pid: process.pid,
    startTime: startTimeOf(process.pid),
    host: config.host,
    port,
    protocol: CONTROL_PROTOCOL,
    optionsDigest: optionsDigest(config.options),
    workerPid,
    startedAt,
  };
  writeJson(config.paths.run, run);
}

function startWorker(restarts: number, lastRestartAt: number | null): ChildProcess {
  const worker = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  worker.on('message', (message: WorkerMessage, handle: object | undefined) => {
    if (message.type === 'bound') listening = handle;
    else if (message.type === 'ready') {
      writeRun(worker.pid ?? 0, message.port);
      // the worker that handed the socket over (its supervisor died, or a controller asked) can stop now
      if (succeeding && process.connected) process.send?.({ type: 'succeeded' } satisfies SuccessionMessage);
      log(`serving on ${config.host}:${message.port} (worker ${worker.pid ?? '?'}, restart ${restarts})`);
    } else if (message.type === 'handed-over') {
      log(`worker ${worker.pid ?? '?'} handed the socket over: it finishes its requests, then this supervisor exits`);
      alive?.retire(null, RETIRE_GRACE_MS);
    } else if (message.type === 'failed') {
      log(`cannot serve: ${message.code} ${message.message}`);
      if (listening === undefined) process.exit(message.code === 'EADDRINUSE' ? 4 : 3);
    }
  });
  worker.once('spawn', () => {
    const start: StartMessage = { type: 'start', config, restarts, lastRestartAt };
    worker.send(start, listening as Parameters<typeof worker.send>[1]);
  });
  return worker;
}

const supervise = (): void =>
  void (alive = keepAlive({
    start: startWorker,
    served: () => listening !== undefined,
    log: (line) => log(`worker ${line}`),
  }));
if (succeeding) {
  process.once('message', (message: SuccessionMessage, handle: object | undefined) => {
    if (message.type !== 'listening' || handle === undefined) process.exit(3);
    listening = handle;
    log('taking the listening socket over from the worker before this one');
    supervise();
  });
  // the worker that forked this one exits once it has handed over: that is no reason to stop
  process.on('disconnect', () => undefined);
} else {
  supervise();
}
