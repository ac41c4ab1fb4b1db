/**
 * Tearing a project's local platform down for good (`rewind down`): every front
 * door and every instance its run files name is stopped (SIGTERM to the group,
 * SIGKILL after a grace period) and the run files go. A run file whose pid is
 * dead or now belongs to another process (same pid, other start time) is only
 * removed: nothing Rewind did not start is ever signalled.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../core/clock.js';
import { isOurs, listFrontDoors, stopFrontDoor } from '../../proxy/front-door/index.js';
import { processStartTime, stopGroup } from '../../drivers/local/process-group.js';
import { readRunRecord, removeRunRecord, runDir } from '../../drivers/local/run-file.js';

export interface DownResult {
  /** front doors stopped, by service */
  frontDoors: { service: string; pid: number; stopped: boolean }[];
  /** instances stopped, as service/environment/r<revision> */
  releases: { release: string; stopped: number; notOurs: number }[];
}

/** The front doors still serving from this state dir (a running `rewind serve` left them, or none ran). */
export function runningFrontDoors(stateDir: string): { service: string; pid: number; port: number }[] {
  return listFrontDoors(stateDir)
    .filter(({ run }) => isOurs(run))
    .map(({ run }) => ({ service: run.service, pid: run.pid, port: run.port }));
}

export async function downProject(stateDir: string, graceMs = 10_000): Promise<DownResult> {
  const result: DownResult = { frontDoors: [], releases: [] };
  for (const { paths, run } of listFrontDoors(stateDir)) {
    const stopped = await stopFrontDoor(paths, run, graceMs);
    result.frontDoors.push({ service: run.service, pid: run.pid, stopped });
  }
  let names: string[] = [];
  try {
    names = readdirSync(runDir(stateDir)).filter((name) => name.endsWith('.json'));
  } catch {
    // no instance ever ran here
  }
  for (const name of names) {
    const file = path.join(runDir(stateDir), name);
    const record = readRunRecord(file);
    if (!record) continue;
    let stopped = 0;
    let notOurs = 0;
    for (const instance of record.instances) {
      const now = processStartTime(instance.pid);
      if (now === null || instance.startTime === null || now !== instance.startTime) {
        notOurs += now === null ? 0 : 1;
        continue;
      }
      await stopGroup(instance.pid, graceMs, systemClock);
      stopped += 1;
    }
    removeRunRecord(file);
    result.releases.push({
      release: `${record.service}/${record.environment}/r${record.revision}`,
      stopped,
      notOurs,
    });
  }
  return result;
}
