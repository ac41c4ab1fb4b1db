/**
 * HAProxy as a process of its own: started detached (its own process group and
 * session, output to a log file rather than a pipe that would break with the
 * controller), so stopping or killing the controller leaves it serving; its run
 * file (pid plus /proc start time) lets the next controller adopt it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { CONTROL_PROTOCOL, isOurs, startTimeOf, writeJson } from '../front-door/files.js';
import type { FrontDoorRun } from '../front-door/files.js';
import { runtimeCommand } from './runtime-api.js';

export interface HaproxyProcess {
  pid: number;
  startTime: number | null;
}

export const haproxyAlive = (proc: HaproxyProcess): boolean => isOurs(proc);

/** Starts HAProxy on `configFile` and waits for its runtime API; a failure names HAProxy's own words. */
export async function launchHaproxy(
  binary: string,
  configFile: string,
  adminSocket: string,
  logFile: string,
  clock: Clock,
): Promise<HaproxyProcess> {
  const out = openSync(logFile, 'a', 0o600);
  const child = spawn(binary, ['-db', '-f', configFile], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  let exit: number | null = null;
  child.once('exit', (code) => (exit = code ?? 1));
  child.once('error', () => (exit = 127));
  const deadline = clock.now() + 10_000;
  const tail = (): string => {
    try {
      return readFileSync(logFile, 'utf8').trim().split('\n').slice(-4).join('; ');
    } catch {
      return '';
    }
  };
  for (;;) {
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
    if (ready && child.pid !== undefined) return { pid: child.pid, startTime: startTimeOf(child.pid) };
    if (clock.now() > deadline) {
      child.kill('SIGKILL');
      throw badRequest(`haproxy did not open its runtime API within 10 s: ${tail()}`, 'HAPROXY_START');
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
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, signal);
    } catch {
      // gone
    }
  };
  kill('SIGTERM');
  const deadline = clock.now() + graceMs;
  while (haproxyAlive(proc) && clock.now() < deadline) await clock.sleep(25);
  if (haproxyAlive(proc)) kill('SIGKILL');
  while (haproxyAlive(proc) && clock.now() < deadline + 3000) await clock.sleep(25);
}
