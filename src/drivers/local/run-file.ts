/**
 * One pid/port file per release under `<stateDir>/run/`. Instances
 * live in their own process groups and survive a controller that is SIGKILLed;
 * the next controller reads these files to adopt them instead of leaking them.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UserError } from '../../core/errors.js';

export interface RunInstanceRecord {
  index: number;
  pid: number;
  port: number;
  /** /proc start time, so a reused pid is not mistaken for ours */
  startTime: number | null;
}

export interface RunRecord {
  service: string;
  environment: string;
  revision: number;
  version: string;
  /** the git commit, so a recovered release runs the same tree */
  commit?: string | null;
  /** the controller that wrote it, for humans reading the file */
  controllerPid: number;
  updatedAt: number;
  instances: RunInstanceRecord[];
  /** the health checks its instances were made ready under; absent in files of older controllers */
  probe?: ProbeRules;
}

/** Health checks of a release's instances, as its group runs them. */
export interface ProbeRules {
  livePath: string | null;
  readyPath: string | null;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
}

const safe = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '_');

export const runDir = (stateDir: string): string => path.join(stateDir, 'run');

export function runFilePath(stateDir: string, service: string, environment: string, revision: number): string {
  return path.join(runDir(stateDir), `${safe(service)}-${safe(environment)}-r${revision}.json`);
}

export function logFilePath(
  stateDir: string,
  service: string,
  environment: string,
  revision: number,
  index: number,
): string {
  return path.join(stateDir, 'logs', `${safe(service)}-${safe(environment)}-r${revision}-${index}.log`);
}

export function readRunRecord(file: string): RunRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    return Array.isArray(record.instances) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed, so a crash never leaves half a file. */
export function writeRunRecord(file: string, record: RunRecord): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, file);
}

export function removeRunRecord(file: string): void {
  rmSync(file, { force: true });
}

/** Every release of (service, environment) that has a run file. */
export function listRunRecords(stateDir: string, service: string, environment: string): RunRecord[] {
  let names: string[];
  try {
    names = readdirSync(runDir(stateDir));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.json'))
    .map((name) => readRunRecord(path.join(runDir(stateDir), name)))
    .filter(
      (record): record is RunRecord =>
        record !== undefined && record.service === service && record.environment === environment,
    );
}

/** The last `n` lines an instance printed (Rewind's own `[rewind …]` notes left out), from the end of its log. */
export function lastOutputLines(logPath: string, n: number): string[] {
  try {
    const size = statSync(logPath).size;
    const fd = openSync(logPath, 'r');
    try {
      const length = Math.min(size, 8192);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n');
      return lines
        .map((l) => l.trimEnd())
        .filter((l) => l && !l.startsWith('[rewind '))
        .slice(-n)
        .map((l) => l.slice(0, 300));
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}

/**
 * A port for a new instance, not in `used`: any free one the kernel hands out, or
 * within `range` (`driver.ports`) the first free one from a random start.
 */
export async function freePortNotIn(
  host: string,
  range: { from: number; to: number } | undefined,
  used: ReadonlySet<number>,
): Promise<number> {
  if (!range) {
    let port = await freePort(host);
    while (used.has(port)) port = await freePort(host);
    return port;
  }
  const size = range.to - range.from + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i += 1) {
    const port = range.from + ((start + i) % size);
    if (!used.has(port) && (await canListen(host, port))) return port;
  }
  throw new UserError(
    'LOCAL_NO_PORT',
    `no free port in driver.ports ${range.from}-${range.to} on ${host}: widen the range or stop what holds it`,
  );
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel just handed out on `host`; the instance binds it right after. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
