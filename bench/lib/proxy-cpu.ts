/**
 * CPU time a process (and its children) has used, from /proc: throughput on a
 * shared machine swings with whatever else runs, but the CPU a proxy spends per
 * request barely does, so the proxy bench reports both.
 */
import { readFileSync } from 'node:fs';

const TICK_MICROS = 10_000; // USER_HZ is 100 on Linux

function ownMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MICROS;
  } catch {
    return 0; // gone, or no /proc here
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** User + system CPU of `pid` and its live children (nginx's worker under its master), in µs. */
export function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return 0;
  return ownMicros(pid) + childrenOf(pid).reduce((sum, child) => sum + ownMicros(child), 0);
}

/** This process's own CPU (the builtin switch, the haproxy router's log receiver), in µs. */
export function selfMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}
