/**
 * HAProxy as a process of its own: started detached (its own process group and
 * session, output to a log file rather than a pipe that would break with the
 * controller), so stopping or killing the controller leaves it serving; its run
 * file (pid plus /proc start time) lets the next controller adopt it. With
 * stable files and Rewind running compiled, it runs under its supervisor
 * (haproxy-supervisor.ts), which starts it again when it dies. A front door
 * that serves but cannot be adopted is handed over to the new one (handover.ts).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { CONTROL_PROTOCOL, isOurs, readRun, startTimeOf, writeJson } from '../front-door/files.js';
import type { FrontDoorPaths, FrontDoorRun } from '../front-door/files.js';
import { askHandOver, leaveHaproxyAlone, markRetiring } from './handover.js';
import { runtimeCommand } from './runtime-api.js';

export interface HaproxyProcess {
  /** the process leading the group: HAProxy's supervisor, or HAProxy when unsupervised */
  pid: number;
  startTime: number | null;
  /** HAProxy itself under a supervisor */
  haproxyPid?: number;
}

/** What HAProxy's supervisor is started with (one JSON argument). */
export interface HaproxySupervisorConfig {
  service: string;
  binary: string;
  host: string;
  port: number;
  /** where HAProxy streams its request log */
  logPort: number;
  paths: FrontDoorPaths;
  /** an HAProxy on the port that has no hand-over socket: soft-stopped by the bind helper once the port is found taken */
  replaces?: { pid: number; startTime: number | null; inherited: boolean };
}

/** What a controller asks a serving supervisor on its control socket (supervisor-handover.ts). */
export interface HandOverRequest {
  op: 'hand-over';
  /** the node binary and supervisor script of the new Rewind */
  node: string;
  script: string;
  config: HaproxySupervisorConfig;
}
export type HandOverReply = { successor: number } | { error: string };

const SUPERVISOR = fileURLToPath(new URL('./haproxy-supervisor.js', import.meta.url));

/** The supervisor script exists when Rewind runs compiled (dist/); from TypeScript sources HAProxy runs alone. */
export const canSuperviseHaproxy = (): boolean => existsSync(SUPERVISOR);

const LAUNCH_TIMEOUT_MS = 15_000;

export const haproxyAlive = (proc: HaproxyProcess): boolean => isOurs(proc);

/** The new supervisor forked by the old one, which hands it the socket; undefined when the old one cannot. */
async function successorOf(supervisor: HaproxySupervisorConfig): Promise<number | undefined> {
  const request: HandOverRequest = { op: 'hand-over', node: process.execPath, script: SUPERVISOR, config: supervisor };
  return askHandOver(supervisor.paths.control, request);
}

/**
 * Starts HAProxy on `configFile` (under its supervisor when `supervisor` is
 * given) and waits for its runtime API (and the supervisor's run file); a
 * failure names HAProxy's own words. With `replacing` (the run of a front door
 * that serves but cannot be adopted) the new supervisor takes the port over
 * from it (handover.ts).
 */
export async function launchHaproxy(
  binary: string,
  configFile: string,
  adminSocket: string,
  logFile: string,
  clock: Clock,
  supervisor?: HaproxySupervisorConfig,
  replacing?: FrontDoorRun,
): Promise<HaproxyProcess> {
  let exit: number | null = null;
  if (replacing && supervisor) await markRetiring(adminSocket);
  let pid = replacing && supervisor ? await successorOf(supervisor) : undefined;
  if (pid === undefined) {
    if (replacing && supervisor) {
      const old = await leaveHaproxyAlone(replacing, clock);
      if (old) supervisor = { ...supervisor, replaces: { ...old, inherited: replacing.workerPid !== undefined } };
    }
    if (supervisor) rmSync(supervisor.paths.run, { force: true });
    const out = openSync(logFile, 'a', 0o600);
    const [command, args] = supervisor
      ? [process.execPath, [SUPERVISOR, JSON.stringify(supervisor)]]
      : [binary, ['-db', '-f', configFile]];
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    child.once('exit', (code) => (exit = code ?? 1));
    child.once('error', () => (exit = 127));
    pid = child.pid;
  }
  const successor = pid !== undefined ? { pid, startTime: startTimeOf(pid) } : undefined;
  const kill = (): void => void (successor && isOurs(successor) && process.kill(successor.pid, 'SIGKILL'));
  const deadline = clock.now() + LAUNCH_TIMEOUT_MS;
  const tail = (): string => {
    try {
      return readFileSync(logFile, 'utf8').trim().split('\n').slice(-4).join('; ');
    } catch {
      return '';
    }
  };
  for (;;) {
    if (exit === null && successor && !isOurs(successor)) exit = 1; // a successor forked by the old supervisor died
    if (exit !== null) {
      const words = tail();
      const error = badRequest(`haproxy exited at start (${String(exit)}): ${words}`, 'HAPROXY_START');
      if (/Address already in use|cannot bind socket/i.test(words)) (error as { code?: string }).code = 'EADDRINUSE';
      throw error;
    }
    const ready = await runtimeCommand(adminSocket, 'show info', 1000).then(
      () => true,
      () => false,
    );
    const run = supervisor ? readRun(supervisor.paths.run) : undefined;
    if (ready && successor && (!supervisor || run?.pid === successor.pid))
      return { ...successor, ...(run ? { haproxyPid: run.workerPid } : {}) };
    if (clock.now() > deadline) {
      kill();
      throw badRequest(
        `haproxy did not open its runtime API within ${LAUNCH_TIMEOUT_MS / 1000} s: ${tail()}`,
        'HAPROXY_START',
      );
    }
    await clock.sleep(25);
  }
}

export function writeHaproxyRun(
  file: string,
  input: { service: string; proc: HaproxyProcess; host: string; port: number; logPort: number },
): void {
  const run: FrontDoorRun = {
    service: input.service,
    router: 'haproxy',
    pid: input.proc.pid,
    startTime: input.proc.startTime,
    host: input.host,
    port: input.port,
    protocol: CONTROL_PROTOCOL,
    logPort: input.logPort,
    startedAt: Date.now(),
  };
  writeJson(file, run);
}

/** SIGTERM HAProxy's group, SIGKILL after `graceMs`; only when it is still the process we started. */
export async function stopHaproxy(proc: HaproxyProcess, clock: Clock, graceMs = 2000): Promise<void> {
  if (!haproxyAlive(proc)) return;
  // the group when `proc` leads one (HAProxy's supervisor, or HAProxy alone), else the process (an orphaned HAProxy)
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, signal);
    } catch {
      try {
        process.kill(proc.pid, signal);
      } catch {
        // gone
      }
    }
  };
  kill('SIGTERM');
  const deadline = clock.now() + graceMs;
  while (haproxyAlive(proc) && clock.now() < deadline) await clock.sleep(25);
  if (haproxyAlive(proc)) kill('SIGKILL');
  while (haproxyAlive(proc) && clock.now() < deadline + 3000) await clock.sleep(25);
}
