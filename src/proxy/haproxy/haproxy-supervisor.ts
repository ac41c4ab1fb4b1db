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
 * Run as `node haproxy-supervisor.js '<HaproxySupervisorConfig as JSON>'`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { systemClock } from '../../core/clock.js';
import { CONTROL_PROTOCOL, startTimeOf, writeJson } from '../front-door/files.js';
import type { FrontDoorRun } from '../front-door/files.js';
import { keepAlive } from '../front-door/keep-alive.js';
import type { HaproxySupervisorConfig } from './haproxy-process.js';
import { runtimeCommand } from './runtime-api.js';
import { createServerSync, loadServers } from './server-sync.js';

const config = JSON.parse(process.argv[2] ?? '{}') as HaproxySupervisorConfig;
const { paths } = config;
const startedAt = Date.now();
let served = false;

const log = (line: string): void =>
  void process.stderr.write(`${new Date().toISOString()} front door ${config.service}: ${line}\n`);
const api = (command: string): Promise<string> => runtimeCommand(paths.haproxyAdmin, command, 5000);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ended = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

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
  served = true;
  log(`haproxy serving on ${config.host}:${config.port} (pid ${child.pid}, restart ${restarts})`);
}

function startHaproxy(restarts: number): ChildProcess {
  const child = spawn(config.binary, ['-db', '-f', paths.haproxyConfig], { stdio: ['ignore', 'inherit', 'inherit'] });
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

keepAlive({ start: startHaproxy, served: () => served, failedCode, log: (line) => log(`haproxy ${line}`) });
