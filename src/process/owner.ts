import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { groupAlive, stopProcessGroup } from './orphans.js';

/** This machine as long as it runs: the host name and the kernel's id of this boot. */
function thisBoot(): string {
  let boot = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // not Linux: the host name alone
  }
  return `${hostname()}${boot ? ` boot ${boot}` : ''}`;
}

/** The kernel's start time of a process (clock ticks since boot), null when it is gone or unknown. */
function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Who a process group is, beyond its number: the host and boot it runs on and
 * its leader's start time, e.g. `db1 boot 5f2c… | started 81234`. Recorded with an
 * attempt so a later controller can tell the same process from a number reused.
 */
export function processOwner(processGroup: number): string | null {
  const ticks = startTicks(processGroup);
  return ticks ? `${thisBoot()} | started ${ticks}` : null;
}

/**
 * Stops what a crashed attempt left running, but only when it is the process the
 * journal recorded: on this host and boot, with its leader's start time (or its
 * leader gone while its group lives on — a group number is not handed out again
 * while the group exists). Elsewhere it is left alone and said to be unreachable.
 * Without an owner (a journal written by an older Rewind) the group is stopped as
 * before. Resolves with a line for the journal, or null when nothing ran any more.
 */
export async function stopOrphan(
  processGroup: number,
  owner: string | null,
): Promise<{ stopped: boolean; line: string } | null> {
  if (owner) {
    const [where, started] = owner.split(' | started ');
    if (where !== thisBoot())
      return {
        stopped: false,
        line: `its process group ${processGroup} ran on ${where}: not reachable from ${thisBoot()}, left alone there`,
      };
    const ticks = startTicks(processGroup);
    if (ticks !== null && ticks !== started) return null; // the number now belongs to another process
    if (ticks === null && !groupAlive(processGroup)) return null;
  }
  const line = await stopProcessGroup(processGroup);
  return line ? { stopped: true, line } : null;
}
