/**
 * CPU time of a process from /proc/<pid>/stat (utime + stime, in clock ticks),
 * for "what share of one core did it use over this window".
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let ticksPerSecond: number | null = null;

/** USER_HZ: 100 on every Linux this runs on, asked once to be sure. */
function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Seconds of CPU the process has used (user + system), or null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name may hold spaces and parentheses: fields start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/**
 * CPU seconds of every process whose command line contains `text`: PostgreSQL
 * backends show their database name there, so a unique name picks out one
 * cluster's connections even with other clusters on the machine.
 */
function cpuByPidMatching(text: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) continue;
    } catch {
      continue;
    }
    byPid.set(Number(entry), cpuSeconds(Number(entry)) ?? 0);
  }
  return byPid;
}

/**
 * CPU seconds per wall second of the processes whose command line contains
 * `text` (PostgreSQL backends of one database), over the window from now to
 * `share()`: per pid, so a backend that exits meanwhile takes only its own
 * seconds out of the sum (they are not counted) instead of making it negative.
 */
export function cpuWindowMatching(text: string): { share(): number } {
  const startWall = performance.now();
  const start = cpuByPidMatching(text);
  return {
    share() {
      let total = 0;
      for (const [pid, cpu] of cpuByPidMatching(text)) total += Math.max(0, cpu - (start.get(pid) ?? 0));
      return total / Math.max(1e-9, (performance.now() - startWall) / 1000);
    },
  };
}

/**
 * Seconds the process's main thread (a Node event loop) spent runnable but
 * waiting for a CPU, from /proc/<pid>/schedstat; null where the kernel does not
 * keep it. Other work on the same core shows up here, not in the process's CPU.
 */
export function runQueueWaitSeconds(pid: number): number | null {
  try {
    const [, waitNs] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
    const value = Number(waitNs);
    return Number.isFinite(value) ? value / 1e9 : null;
  } catch {
    return null;
  }
}

/** Busy seconds of one CPU (everything but idle and iowait) from /proc/stat; null when not readable. */
export function cpuBusySeconds(cpu: number): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${cpu} `));
    if (!line) return null;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks();
  } catch {
    return null;
  }
}

/** A window of CPU use: start it, then `share()` is CPU seconds ÷ wall seconds since the start. */
export function cpuWindow(read: () => number | null): { share(): number | null; wallSeconds(): number } {
  const startWall = performance.now();
  const startCpu = read();
  return {
    share() {
      const cpu = read();
      const wall = (performance.now() - startWall) / 1000;
      if (cpu === null || startCpu === null || wall <= 0) return null;
      return (cpu - startCpu) / wall;
    },
    wallSeconds: () => (performance.now() - startWall) / 1000,
  };
}
