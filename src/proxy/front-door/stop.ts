/**
 * Stopping a front door for good (`rewind down`, a replacement): SIGTERM to its
 * process group, SIGKILL after a grace period, then its files go. Only a
 * process the run file still names (same pid and start time) is signalled.
 */
import { rmSync } from 'node:fs';
import { isOurs } from './files.js';
import type { FrontDoorPaths, FrontDoorRun } from './files.js';

/** `name` to the group `pid` leads, or to the process alone when it leads none. */
export const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
};

/** Whether any process is still in the group `pgid`. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the front door `run` names; true when it was ours and is gone. Removes its files either way. */
export async function stopFrontDoor(paths: FrontDoorPaths, run: FrontDoorRun, graceMs = 5000): Promise<boolean> {
  let stopped = false;
  if (isOurs(run)) {
    signal(run.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (groupAlive(run.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (groupAlive(run.pid)) signal(run.pid, 'SIGKILL');
    const killDeadline = Date.now() + 3000;
    while (groupAlive(run.pid) && Date.now() < killDeadline) await new Promise((resolve) => setTimeout(resolve, 50));
    stopped = true;
  }
  rmSync(paths.run, { force: true });
  rmSync(paths.weights, { force: true });
  rmSync(paths.telemetry, { force: true });
  rmSync(paths.telemetryJournal, { force: true });
  rmSync(paths.control, { force: true });
  rmSync(paths.haproxyAdmin, { force: true });
  return stopped;
}
