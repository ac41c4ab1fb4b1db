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
 * supervisor died (switch-succession.ts): it takes the listening socket from
 * that worker instead of binding, and tells it once its own worker serves.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONTROL_PROTOCOL, startTimeOf, writeJson } from './files.js';
import type { FrontDoorRun } from './files.js';
import type { StartMessage, SuccessionMessage, SwitchProcessConfig, WorkerMessage } from './switch-config.js';

const WORKER = fileURLToPath(new URL('./switch-worker.js', import.meta.url));
/** a worker that lived shorter than this died young: the next restart waits longer (at most 1 s) */
const YOUNG_MS = 2000;

const config = JSON.parse(process.argv[2] ?? '{}') as SwitchProcessConfig;
const succeeding = process.argv[3] === '--succeed';
const startedAt = Date.now();
let listening: object | undefined;
let restarts = 0;
let lastRestartAt: number | null = null;
let delayMs = 20;
let stopping = false;
let current: ReturnType<typeof fork> | undefined;

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
    workerPid,
    startedAt,
  };
  writeJson(config.paths.run, run);
}

function startWorker(): void {
  const began = Date.now();
  const worker = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  current = worker;
  worker.on('message', (message: WorkerMessage, handle: object | undefined) => {
    if (message.type === 'bound') listening = handle;
    else if (message.type === 'ready') {
      writeRun(worker.pid ?? 0, message.port);
      // the worker whose supervisor died can stop now: this one serves on the same socket
      if (succeeding && process.connected) process.send?.({ type: 'succeeded' } satisfies SuccessionMessage);
      log(`serving on ${config.host}:${message.port} (worker ${worker.pid ?? '?'}, restart ${restarts})`);
    } else if (message.type === 'failed') {
      log(`cannot serve: ${message.code} ${message.message}`);
      if (listening === undefined) process.exit(message.code === 'EADDRINUSE' ? 4 : 3);
    }
  });
  worker.once('spawn', () => {
    const start: StartMessage = { type: 'start', config, restarts, lastRestartAt };
    worker.send(start, listening as Parameters<typeof worker.send>[1]);
  });
  worker.once('exit', (code, signal) => {
    if (stopping) process.exit(0);
    if (listening === undefined) process.exit(code ?? 3);
    restarts += 1;
    lastRestartAt = Date.now();
    delayMs = Date.now() - began < YOUNG_MS ? Math.min(1000, delayMs * 2) : 20;
    log(`worker ${worker.pid ?? '?'} ended (${signal ?? `exit ${code ?? '?'}`}); a fresh one in ${delayMs} ms`);
    setTimeout(startWorker, delayMs);
  });
}

const stop = (): void => {
  stopping = true;
  if (current === undefined || current.exitCode !== null || current.signalCode !== null) process.exit(0);
  current.kill('SIGTERM');
  setTimeout(() => process.exit(0), 6000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', () => undefined);
if (succeeding) {
  process.once('message', (message: SuccessionMessage, handle: object | undefined) => {
    if (message.type !== 'listening' || handle === undefined) process.exit(3);
    listening = handle;
    log('taking over the front door from a worker whose supervisor died');
    startWorker();
  });
  // the worker that forked this one exits once it has handed over: that is no reason to stop
  process.on('disconnect', () => undefined);
} else {
  startWorker();
}
