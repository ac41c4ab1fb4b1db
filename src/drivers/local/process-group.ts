/**
 * Process-group helpers. Each instance is spawned detached, so it leads its own
 * group and everything it forks stays in that group: stopping means signalling
 * the group, never only the pid. Zombies count as gone: in a
 * container PID 1 may never reap orphans, and a zombie holds no resources.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';

const HAS_PROC = existsSync('/proc/self/stat');

interface Stat {
  state: string;
  pgrp: number;
  /** field 22, clock ticks after boot: tells a reused pid from the original */
  startTime: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', pgrp: Number(rest[2]), startTime: Number(rest[19]) };
  } catch {
    return null;
  }
}

/** The process's start time, or null when it is gone (or not knowable). */
export function processStartTime(pid: number): number | null {
  if (!HAS_PROC) return null;
  const stat = readStat(pid);
  return stat && stat.state !== 'Z' ? stat.startTime : null;
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  if (HAS_PROC) {
    const stat = readStat(pid);
    return stat !== null && stat.state !== 'Z';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!HAS_PROC) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') members.push(Number(entry));
  }
  return members;
}

/** Sends a signal to the whole group; false when no such group exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface StopResult {
  /** SIGKILL was needed because the group outlived the grace period */
  killed: boolean;
  elapsedMs: number;
}

/**
 * SIGTERM the group, wait up to `graceMs` for every member to exit, then SIGKILL
 * the group and wait for it to disappear (the runbook's "stop, then force").
 */
export async function stopGroup(pgid: number, graceMs: number, clock: Clock): Promise<StopResult> {
  const started = clock.now();
  if (groupMembers(pgid).length === 0) return { killed: false, elapsedMs: 0 };
  signalGroup(pgid, 'SIGTERM');
  if (await waitGroupGone(pgid, graceMs, clock)) return { killed: false, elapsedMs: clock.now() - started };
  signalGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, 5000, clock);
  return { killed: true, elapsedMs: clock.now() - started };
}

async function waitGroupGone(pgid: number, timeoutMs: number, clock: Clock): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    if (clock.now() >= deadline) return false;
    await clock.sleep(Math.min(50, Math.max(1, deadline - clock.now())));
  }
}
