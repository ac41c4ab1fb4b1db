import { readFileSync } from 'node:fs';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True while any process of the group can still run (zombies waiting to be reaped do not count). */
export function groupAlive(processGroup: number): boolean {
  try {
    process.kill(-processGroup, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // the leader may be a zombie whose children are gone too; /proc tells (Linux)
    const stat = readFileSync(`/proc/${processGroup}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return true; // the leader is gone but others of its group still answer
  }
}

async function gone(processGroup: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (!groupAlive(processGroup)) return true;
    await pause(50);
  }
  return !groupAlive(processGroup);
}

/**
 * Stops what a crashed attempt left running: SIGTERM to its process group, SIGKILL
 * after `graceMs`. Resolves with a line for the journal, or null when the group
 * had already ended. Every command runs in its own group (run.ts), so the
 * group is exactly what that attempt started.
 */
export async function stopProcessGroup(processGroup: number, graceMs = 2_000): Promise<string | null> {
  if (!groupAlive(processGroup)) return null;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-processGroup, name);
    } catch {
      // ended meanwhile
    }
  };
  signal('SIGTERM');
  if (await gone(processGroup, graceMs))
    return `its process group ${processGroup} was still running; stopped with SIGTERM`;
  signal('SIGKILL');
  await gone(processGroup, 1_000);
  return `its process group ${processGroup} was still running; killed with SIGKILL after ${graceMs}ms`;
}
