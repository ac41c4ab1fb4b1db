/**
 * What every front-door supervisor does with the one child that serves (the
 * builtin switch's worker, HAProxy): when it ends, a fresh one starts at once
 * (after 20 ms; a child that died young doubles the wait, at most 1 s, so a
 * child that cannot start does not spin); a child that never served ends the
 * supervisor instead (the controller that launched it reads why from the log).
 * SIGTERM and SIGINT stop the child and then the supervisor; SIGHUP is
 * ignored (a closing terminal is no reason to stop serving). `retire` ends the
 * supervisor once a successor serves: its child is asked to finish (HAProxy's
 * soft stop) or is finishing already (the switch's worker that handed its
 * socket over), and the supervisor exits with it.
 */
import type { ChildProcess } from 'node:child_process';

/** a child that lived shorter than this died young: the next start waits longer */
const YOUNG_MS = 2000;
const FIRST_DELAY_MS = 20;
const LONGEST_DELAY_MS = 1000;

export interface KeepAliveInput {
  /** starts one child; `restarts` counts the children before it, `lastRestartAt` when the last one was replaced */
  start(restarts: number, lastRestartAt: number | null): ChildProcess;
  /** whether some child has served: until then a child that ends ends the supervisor */
  served(): boolean;
  /** the supervisor's exit code when a child that never served ended with `code` */
  failedCode?(code: number | null): number;
  log(line: string): void;
  /** how long a stopping child may take before the supervisor exits anyway; default 6000 ms */
  stopGraceMs?: number;
}

export interface KeepAlive {
  readonly current: ChildProcess | undefined;
  readonly restarts: number;
  /** stops for good: `signal` to the child (none: it is finishing by itself), exit when it ends; after `graceMs` SIGKILL and exit */
  retire(signal: NodeJS.Signals | null, graceMs: number): void;
}

export function keepAlive(input: KeepAliveInput): KeepAlive {
  let current: ChildProcess | undefined;
  let restarts = 0;
  let lastRestartAt: number | null = null;
  let delayMs = FIRST_DELAY_MS;
  let stopping = false;

  const startOne = (): void => {
    const began = Date.now();
    const child = input.start(restarts, lastRestartAt);
    current = child;
    child.once('error', (error) => input.log(`cannot start: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (stopping) process.exit(0);
      if (!input.served()) process.exit(input.failedCode?.(code) ?? code ?? 3);
      restarts += 1;
      lastRestartAt = Date.now();
      delayMs = Date.now() - began < YOUNG_MS ? Math.min(LONGEST_DELAY_MS, delayMs * 2) : FIRST_DELAY_MS;
      input.log(`${child.pid ?? '?'} ended (${signal ?? `exit ${code ?? '?'}`}); a fresh one in ${delayMs} ms`);
      setTimeout(startOne, delayMs);
    });
  };

  const stop = (signal: NodeJS.Signals | null, graceMs: number, last?: NodeJS.Signals): void => {
    stopping = true;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) process.exit(0);
    if (signal) current.kill(signal);
    const child = current;
    setTimeout(() => {
      if (last) child.kill(last);
      process.exit(0);
    }, graceMs).unref();
  };
  const stopNow = (): void => stop('SIGTERM', input.stopGraceMs ?? 6000);
  process.on('SIGTERM', stopNow);
  process.on('SIGINT', stopNow);
  process.on('SIGHUP', () => undefined);
  startOne();
  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    retire: (signal, graceMs) => stop(signal, graceMs, 'SIGKILL'),
  };
}
