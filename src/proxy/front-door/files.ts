/**
 * Where a front door keeps what outlives the controller: one folder per
 * service under `<stateDir>/front-door/` (mode 0700, so the control socket in it
 * is reachable by the owner only), holding the run file (pid plus /proc start
 * time, so a reused pid is never mistaken for ours), the last weights the front
 * door was given, its control socket and, for HAProxy, its config and runtime socket.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The version of the control channel's protocol; a front door speaking another one is handed over to a new
 * one, not adopted. Whatever it becomes, `hand-over` keeps its meaning (switch-succession.ts).
 */
export const CONTROL_PROTOCOL = 1;

export interface FrontDoorRun {
  service: string;
  router: 'builtin' | 'haproxy';
  /** the process to signal (the supervisor, or an unsupervised HAProxy); it leads its own group and session */
  pid: number;
  /** /proc start time of `pid` */
  startTime: number | null;
  host: string;
  port: number;
  protocol: number;
  /** the serving process under `pid`: the builtin switch's worker, or HAProxy under its supervisor */
  workerPid?: number;
  /** /proc start time of `workerPid` */
  workerStartTime?: number | null;
  /**
   * builtin: digest of the switch options it was started with (`optionsDigest`); one started with other
   * options is handed over, since adoption applies only releases and weights
   */
  optionsDigest?: string;
  /** haproxy: the TCP port its request log is streamed to */
  logPort?: number;
  startedAt: number;
}

const safe = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '_');

export const frontDoorsDir = (stateDir: string): string => path.join(path.resolve(stateDir), 'front-door');

export interface FrontDoorPaths {
  dir: string;
  run: string;
  weights: string;
  /** builtin switch: the telemetry its worker counted, compacted now and then for a worker that replaces it */
  telemetry: string;
  /** builtin switch: the seconds closed since that compaction, one JSON line each (telemetry-journal.ts) */
  telemetryJournal: string;
  control: string;
  log: string;
  haproxyConfig: string;
  haproxyAdmin: string;
}

export function frontDoorPaths(stateDir: string, service: string): FrontDoorPaths {
  const dir = path.join(frontDoorsDir(stateDir), safe(service));
  return {
    dir,
    run: path.join(dir, 'run.json'),
    weights: path.join(dir, 'weights.json'),
    telemetry: path.join(dir, 'telemetry.json'),
    telemetryJournal: path.join(dir, 'telemetry.jsonl'),
    control: path.join(dir, 'control.sock'),
    log: path.join(dir, 'front-door.log'),
    haproxyConfig: path.join(dir, 'haproxy.cfg'),
    haproxyAdmin: path.join(dir, 'admin.sock'),
  };
}

/** Creates the folder owner-only (also tightening one that exists). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  chmodSync(path.dirname(dir), 0o700);
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed, so a crash never leaves half a file. Returns the bytes written. */
export function writeJson(file: string, value: unknown): number {
  const temporary = `${file}.${process.pid}.tmp`;
  const text = Buffer.from(`${JSON.stringify(value)}\n`);
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
  return text.length;
}

export function readRun(file: string): FrontDoorRun | undefined {
  const run = readJson<FrontDoorRun>(file);
  return run && Number.isInteger(run.pid) && run.pid > 0 ? run : undefined;
}

/** Every front door of the state dir that has a run file. */
export function listFrontDoors(stateDir: string): { paths: FrontDoorPaths; run: FrontDoorRun }[] {
  let names: string[];
  try {
    names = readdirSync(frontDoorsDir(stateDir));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const paths = frontDoorPaths(stateDir, name);
    const run = readRun(paths.run);
    return run ? [{ paths, run }] : [];
  });
}

export function removeFrontDoorFiles(paths: FrontDoorPaths): void {
  rmSync(paths.dir, { recursive: true, force: true });
}

/** /proc start time of a live (non-zombie) process, else null. */
export function startTimeOf(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return rest[0] === 'Z' ? null : Number(rest[19]);
  } catch {
    return null;
  }
}

/** The run file still names the process that wrote it: alive, and the same start time (not a reused pid). */
export function isOurs(run: Pick<FrontDoorRun, 'pid' | 'startTime'>): boolean {
  const now = startTimeOf(run.pid);
  return now !== null && run.startTime !== null && now === run.startTime;
}
