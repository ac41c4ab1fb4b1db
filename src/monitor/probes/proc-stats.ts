/**
 * CPU and memory of a release's processes read from Linux /proc.
 * Each instance runs in its own process group, so a wrapper (`npm start`) and the
 * processes it forks are all counted: we sum every live member of each group.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports times in clock ticks; USER_HZ is 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** user + system CPU ticks of all counted processes */
  cpuTicks: number;
  /** resident memory of all counted processes, bytes */
  rssBytes: number;
  /** processes counted */
  processes: number;
}

export const procAvailable = (): boolean => {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
};

interface StatFields {
  state: string;
  pgrp: number;
  ticks: number;
}

/** Fields after the command name, which may itself hold spaces or parentheses. */
function readStat(pid: number): StatFields | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); pgrp is field 5, utime 14, stime 15.
    return { state: rest[0] ?? '?', pgrp: Number(rest[2]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

function readRssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Live (non-zombie) pids whose process group is one of `groups`. */
export function groupMembers(groups: ReadonlySet<number>): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.state !== 'Z' && groups.has(stat.pgrp)) members.push(Number(entry));
  }
  return members;
}

/** One sample over the process groups led by `groupLeaders`. */
export function sampleGroups(groupLeaders: readonly number[]): ProcSample {
  const sample: ProcSample = { cpuTicks: 0, rssBytes: 0, processes: 0 };
  if (groupLeaders.length === 0) return sample;
  for (const pid of groupMembers(new Set(groupLeaders))) {
    const stat = readStat(pid);
    if (!stat) continue;
    sample.cpuTicks += stat.ticks;
    sample.rssBytes += readRssBytes(pid);
    sample.processes += 1;
  }
  return sample;
}

/** Percent of one core (top's convention: two busy cores read 200). */
export function cpuPercentBetween(before: ProcSample, after: ProcSample, elapsedMs: number): number {
  if (elapsedMs <= 0) return 0;
  const ticks = Math.max(0, after.cpuTicks - before.cpuTicks);
  return (ticks / TICKS_PER_SECOND / (elapsedMs / 1000)) * 100;
}
