/**
 * Finding or starting the builtin switch's own process. A run file whose pid
 * is alive with the same /proc start time and whose control channel answers in
 * the same protocol is adopted; one that serves but cannot be adopted is handed
 * over (switch-handover.ts); a run file naming a dead or reused pid is stale
 * and removed — its pid is never signalled, since it is not ours any more.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REFUSED, controlCall } from './control-channel.js';
import type { FrontDoorState } from './control-channel.js';
import { CONTROL_PROTOCOL, ensurePrivateDir, isOurs, readRun, startTimeOf } from './files.js';
import type { FrontDoorPaths, FrontDoorRun } from './files.js';
import { optionsDigest } from './switch-config.js';
import type { SwitchProcessConfig } from './switch-config.js';
import { askHandOver, awaitRetired } from './switch-handover.js';
import { stopFrontDoor } from './stop.js';

const SUPERVISOR = new URL('./switch-supervisor.js', import.meta.url);
const START_TIMEOUT_MS = 15_000;

/** The supervisor script exists when Rewind runs compiled (dist/); from TypeScript sources it does not. */
export function canRunSwitchProcess(): boolean {
  return existsSync(fileURLToPath(SUPERVISOR));
}

export interface OpenedSwitch {
  run: FrontDoorRun;
  state: FrontDoorState;
  /** true when a running front door was adopted, false when this call started it */
  adopted: boolean;
  /** the supervisor of the front door that handed its socket over to this one, and how long it took to go */
  handedOverFrom?: { pid: number; retiredAfterMs: number };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The front door's state when `run` is ours and answers in our protocol; `other` when it answers otherwise
 * (another protocol, or an error); null when it does not answer (retried for `waitMs`: it may be restarting).
 */
async function reachable(
  paths: FrontDoorPaths,
  run: FrontDoorRun,
  waitMs: number,
): Promise<FrontDoorState | 'other' | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (!isOurs(run)) return null;
    try {
      const state = await controlCall<FrontDoorState>(paths.control, { op: 'state' }, 2000);
      return state.protocol === CONTROL_PROTOCOL && run.protocol === CONTROL_PROTOCOL ? state : 'other';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === REFUSED) return 'other';
      if (Date.now() >= deadline) return null;
      await pause(100);
    }
  }
}

/**
 * A run file written before the options were recorded (same protocol) is adopted as it was: that switch
 * could not take a hand-over, and stopping it would refuse connections.
 */
const sameOptions = (run: FrontDoorRun, config: SwitchProcessConfig): boolean =>
  run.optionsDigest === undefined || run.optionsDigest === optionsDigest(config.options);

/**
 * Adopts the builtin switch the run file names when it answers in this protocol, on this address, started
 * with these options; hands it over to a new one when it serves but cannot be adopted; starts one otherwise.
 */
export async function openSwitchProcess(config: SwitchProcessConfig): Promise<OpenedSwitch> {
  const { paths } = config;
  ensurePrivateDir(paths.dir);
  const existing = readRun(paths.run);
  if (existing && isOurs(existing)) {
    const state = await reachable(paths, existing, 3000);
    const sameAddress = existing.host === config.host && (config.port === 0 || existing.port === config.port);
    if (state !== null && state !== 'other' && sameAddress && sameOptions(existing, config))
      return { run: readRun(paths.run) ?? existing, state, adopted: true };
    const handed = state !== null && sameAddress ? await handedOver(config, existing) : undefined;
    if (handed) return handed;
    // Stopped, then started (connections refused for about a second) only when the switch does not serve
    // here: it does not answer at all, it is on another address, or it takes no hand-over (a switch of a
    // Rewind from before the hand-over answers "unknown operation"; a successor that failed leaves it serving).
    await stopFrontDoor(paths, existing);
  } else if (existing) {
    rmSync(paths.run, { force: true });
  }
  return { ...(await launch(config)), adopted: false };
}

/** The front door `old` names asked to hand its socket to a new supervisor; undefined when it takes no hand-over. */
async function handedOver(config: SwitchProcessConfig, old: FrontDoorRun): Promise<OpenedSwitch | undefined> {
  const pid = await askHandOver(config);
  if (pid === undefined) return undefined;
  const successor = { pid, startTime: startTimeOf(pid) };
  const opened = await serving(config, pid, () => (isOurs(successor) ? null : 1)).catch(() => undefined);
  if (!opened) return undefined;
  const retiredAfterMs = await awaitRetired(old);
  return { ...opened, adopted: false, handedOverFrom: { pid: old.pid, retiredAfterMs } };
}

async function launch(config: SwitchProcessConfig): Promise<{ run: FrontDoorRun; state: FrontDoorState }> {
  const { paths } = config;
  rmSync(paths.run, { force: true });
  const out = openSync(paths.log, 'a', 0o600);
  const child = spawn(process.execPath, [fileURLToPath(SUPERVISOR), JSON.stringify(config)], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  return serving(config, child.pid ?? 0, () => exited);
}

/** Waits for the supervisor `pid` to write the run file and its worker to answer; `exited` says it ended. */
async function serving(
  config: SwitchProcessConfig,
  pid: number,
  exited: () => number | null,
): Promise<{ run: FrontDoorRun; state: FrontDoorState }> {
  const { paths } = config;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const run = readRun(paths.run);
    if (run && run.pid === pid) {
      const state = await reachable(paths, run, 1000);
      if (state !== null && state !== 'other') return { run, state };
    }
    const code = exited();
    if (code !== null || Date.now() > deadline) {
      if (code === null && pid > 0) process.kill(pid, 'SIGKILL');
      const tail = readFileSync(paths.log, 'utf8').trim().split('\n').slice(-3).join('; ');
      const error = new Error(`the front door of ${config.service} did not start: ${tail}`) as NodeJS.ErrnoException;
      if (code === 4 || /EADDRINUSE/.test(tail)) error.code = 'EADDRINUSE';
      throw error;
    }
    await pause(25);
  }
}
