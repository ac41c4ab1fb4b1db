/**
 * HAProxy's own supervisor, the same design as the builtin switch's
 * (keep-alive.ts): a small process started detached (its own process group and
 * session, so neither a terminal's Ctrl-C nor the controller's death reaches
 * it) that runs HAProxy in the foreground on the config at its stable path.
 * When HAProxy dies (SIGKILL, a crash, out of memory) it starts a fresh one at
 * once and puts back the servers and weights kept beside the run file, so
 * traffic returns where it was with no controller running. It writes the run
 * file the next controller adopts HAProxy from: its own pid (the group to
 * signal) and HAProxy's.
 *
 * The supervisor holds the listening socket, as the builtin switch's does: a
 * short-lived helper (this script with `--bind`) binds it and hands it over,
 * so the supervisor itself never accepts on it, and every HAProxy inherits it
 * as file descriptor 3 (`bind fd@3`). While HAProxy restarts the socket stays
 * open and connections wait in the kernel's queue instead of being refused.
 * Once serving it takes hand-over requests on the control socket, and a
 * supervisor started with `--succeed` takes the socket from its predecessor
 * instead of binding (supervisor-handover.ts).
 *
 * Run as `node haproxy-supervisor.js '<HaproxySupervisorConfig as JSON>'`.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess, SendHandle } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.js';
import { CONTROL_PROTOCOL, startTimeOf, writeJson } from '../front-door/files.js';
import type { FrontDoorRun } from '../front-door/files.js';
import { keepAlive } from '../front-door/keep-alive.js';
import type { KeepAlive } from '../front-door/keep-alive.js';
import { INHERITED_FD, SAVED_SERVERS_MARK } from './haproxy-config.js';
import type { HaproxySupervisorConfig } from './haproxy-process.js';
import { runtimeCommand } from './runtime-api.js';
import { createServerSync, loadServers, savedServerLines } from './server-sync.js';
import { DRAIN_MS, bindAndHandOver, receiveListening, serveHandOver, succeeded } from './supervisor-handover.js';
import type { BindMessage } from './supervisor-handover.js';

const config = JSON.parse(process.argv[2] ?? '{}') as HaproxySupervisorConfig;
const { paths } = config;
const startedAt = Date.now();
let served = false;
/** the listening socket's descriptor in this process, and its handle (what a successor is sent) */
let listeningFd = -1;
let listening: SendHandle | undefined;
let alive: KeepAlive | undefined;

const log = (line: string): void =>
  void process.stderr.write(`${new Date().toISOString()} front door ${config.service}: ${line}\n`);
const api = (command: string): Promise<string> => runtimeCommand(paths.haproxyAdmin, command, 5000);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ended = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;
/** how long an HAProxy that handed its socket over may take to finish its connections */
const HAND_OVER_GRACE_MS = 30_000;

function writeRun(haproxyPid: number): void {
  const run: FrontDoorRun = {
    service: config.service,
    router: 'haproxy',
    pid: process.pid,
    startTime: startTimeOf(process.pid),
    host: config.host,
    port: config.port,
    protocol: CONTROL_PROTOCOL,
    workerPid: haproxyPid,
    workerStartTime: startTimeOf(haproxyPid),
    logPort: config.logPort,
    startedAt,
  };
  writeJson(paths.run, run);
}

/** Once HAProxy's runtime API answers: the saved servers go back in, then the run file names it. */
async function whenReady(child: ChildProcess, restarts: number): Promise<void> {
  while (!ended(child)) {
    const answers = await api('show info').then(
      () => true,
      () => false,
    );
    if (answers) break;
    await pause(25);
  }
  if (ended(child) || child.pid === undefined) return;
  const sync = createServerSync({ api, clock: systemClock, drainTimeoutMs: 0 });
  for (let attempt = 1; attempt <= 5 && !ended(child); attempt += 1) {
    try {
      if (loadServers(paths.weights, sync)) await sync.reconcile();
      if ((await sync.verify()) === null || sync.releases.size === 0) break;
    } catch (error) {
      log(
        `restoring the saved servers (attempt ${attempt}): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await pause(200);
  }
  if (ended(child)) return;
  writeRun(child.pid);
  log(`haproxy serving on ${config.host}:${config.port} (pid ${child.pid}, restart ${restarts})`);
  if (served) return;
  served = true;
  succeeded(config); // the front door this one replaces stops now
  if (listening)
    serveHandOver(paths.control, listening, log, () => {
      alive?.current?.kill('SIGTTOU'); // stops accepting; the successor's HAProxy accepts from the same socket
      setTimeout(() => alive?.retire('SIGUSR1', HAND_OVER_GRACE_MS), DRAIN_MS);
    });
}

/**
 * Writes the saved servers into haproxy.cfg, after the router's lines (its releases
 * backend is last), so a fresh HAProxy answers its first request from them instead
 * of 503 until the runtime API has added them. Servers are added and removed over
 * the runtime API from then on, as for any other server.
 */
function writeSavedServers(): void {
  const sync = createServerSync({ api, clock: systemClock, drainTimeoutMs: 0 });
  try {
    if (!loadServers(paths.weights, sync)) return;
    const text = readFileSync(paths.haproxyConfig, 'utf8');
    const base = text.split(`${SAVED_SERVERS_MARK}\n`)[0] ?? text;
    writeFileSync(paths.haproxyConfig, `${base}${SAVED_SERVERS_MARK}\n${savedServerLines(sync).join('\n')}\n`, {
      mode: 0o600,
    });
  } catch (error) {
    log(
      `the saved servers could not be written into haproxy.cfg: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function startHaproxy(restarts: number): ChildProcess {
  writeSavedServers();
  const stdio: ('ignore' | 'inherit' | number)[] = ['ignore', 'inherit', 'inherit'];
  stdio[INHERITED_FD] = listeningFd;
  const child = spawn(config.binary, ['-db', '-f', paths.haproxyConfig], { stdio });
  void whenReady(child, restarts);
  return child;
}

/** 4 when HAProxy could not bind its port (another process has it), as the builtin switch's supervisor says. */
function failedCode(code: number | null): number {
  try {
    const tail = readFileSync(paths.log, 'utf8').split('\n').slice(-6).join('\n');
    if (/Address already in use|cannot bind socket/i.test(tail)) return 4;
  } catch {
    // no log: the code HAProxy gave
  }
  return code ?? 3;
}

/** The supervisor: the helper's socket, then HAProxy kept alive on it. */
function supervise(): void {
  const helper = fork(fileURLToPath(import.meta.url), [process.argv[2] ?? '{}', '--bind'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  helper.once('message', (message: BindMessage, handle: { fd?: number } | undefined) => {
    if (message.type !== 'bound' || typeof handle?.fd !== 'number' || handle.fd < 0) {
      log(`cannot bind ${config.host}:${config.port}: ${message.type === 'failed' ? message.message : 'no socket'}`);
      process.exit(message.type === 'failed' && /in use/i.test(message.message) ? 4 : 3);
    }
    serveOn(handle);
  });
  helper.once('exit', () => {
    if (listeningFd < 0) process.exit(3);
  });
}

function serveOn(handle: { fd?: number }): void {
  listeningFd = handle.fd ?? -1;
  listening = handle as SendHandle;
  alive = keepAlive({ start: startHaproxy, served: () => served, failedCode, log: (line) => log(`haproxy ${line}`) });
}

if (process.argv[3] === '--bind') bindAndHandOver(config);
else if (process.argv[3] === '--succeed')
  void receiveListening().then((handle) => {
    if (typeof handle?.fd !== 'number' || handle.fd < 0) process.exit(3);
    log('taking the listening socket over from the supervisor before this one');
    serveOn(handle);
  });
else supervise();
