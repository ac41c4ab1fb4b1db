/**
 * Finding or starting the builtin switch's own process. A run file whose pid
 * is alive with the same /proc start time and whose control channel answers in
 * the same protocol is adopted; a run file naming a dead or reused pid is stale
 * and removed — its pid is never signalled, since it is not ours any more.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { controlCall } from './control-channel.js';
import type { FrontDoorState } from './control-channel.js';
import { CONTROL_PROTOCOL, ensurePrivateDir, isOurs, readRun } from './files.js';
import type { FrontDoorPaths, FrontDoorRun } from './files.js';
import type { SwitchProcessConfig } from './switch-config.js';
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
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The front door's state when `run` is ours and answers in our protocol (retried for a while: it may be restarting). */
async function reachable(paths: FrontDoorPaths, run: FrontDoorRun, waitMs: number): Promise<FrontDoorState | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (!isOurs(run)) return null;
    try {
      const state = await controlCall<FrontDoorState>(paths.control, { op: 'state' }, 2000);
      return state.protocol === CONTROL_PROTOCOL ? state : null;
    } catch {
      if (Date.now() >= deadline) return null;
      await pause(100);
    }
  }
}

export async function openSwitchProcess(config: SwitchProcessConfig): Promise<OpenedSwitch> {
  const { paths } = config;
  ensurePrivateDir(paths.dir);
  const existing = readRun(paths.run);
  if (existing && isOurs(existing)) {
    const state = await reachable(paths, existing, 3000);
    if (state && (config.port === 0 || state.port === config.port))
      return { run: readRun(paths.run) ?? existing, state, adopted: true };
    // ours but not usable (another protocol, another port, no answer): replaced
    await stopFrontDoor(paths, existing);
  } else if (existing) {
    rmSync(paths.run, { force: true });
  }
  return { ...(await launch(config)), adopted: false };
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
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const run = readRun(paths.run);
    if (run && run.pid === child.pid) {
      const state = await reachable(paths, run, 1000);
      if (state) return { run, state };
    }
    if (exited !== null || Date.now() > deadline) {
      if (exited === null) child.kill('SIGKILL');
      const tail = readFileSync(paths.log, 'utf8').trim().split('\n').slice(-3).join('; ');
      const error = new Error(`the front door of ${config.service} did not start: ${tail}`) as NodeJS.ErrnoException;
      if (exited === 4 || /EADDRINUSE/.test(tail)) error.code = 'EADDRINUSE';
      throw error;
    }
    await pause(25);
  }
}
