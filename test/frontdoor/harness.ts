/**
 * Helpers for the front-door tests: a local-driver project on either router,
 * a load client in its own process, and what the kernel and /proc say about
 * who listens on the front door.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Project } from '../helpers/cli.js';
import { whoAnswers } from '../local-app/harness.js';

export const SAMPLE_APP = resolve(import.meta.dirname, '../../examples/demo/app/server.js');
const LOAD_CLIENT = resolve(import.meta.dirname, 'load-client.mjs');

export type Router = 'builtin' | 'haproxy';

export function writeProject(project: Project, ports: { controller: number; front: number }, router: Router): void {
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["node", "${SAMPLE_APP}", "--release", "{version}"]
      instances: 2
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
      router: ${router}
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 4s }
    analysis: { duration: 0s }
    postRollback: { watch: 1s }
`,
  );
}

export interface LoadStats {
  sent: number;
  answered: number;
  failed: number;
  longestGapMs: number;
  byRelease: Record<string, number>;
  errors: Record<string, number>;
}

/**
 * ~`rate` requests/s of GET and POST in turn from a separate process; `stop()` gives its
 * figures, `snapshot()` the figures so far while it goes on.
 */
export async function startLoad(
  port: number,
  rate = 200,
): Promise<{ stop(): Promise<LoadStats>; snapshot(): Promise<LoadStats> }> {
  const child = spawn(process.execPath, [LOAD_CLIENT, `http://127.0.0.1:${port}/`, String(rate)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise<void>((done, fail) => {
    const check = setInterval(() => {
      if (out.startsWith('ready')) {
        clearInterval(check);
        done();
      }
    }, 10);
    child.once('exit', () => fail(new Error('the load client exited at start')));
  });
  const lines = (): string[] => out.split('\n').filter((line) => line !== '' && line !== 'ready');
  return {
    stop: () =>
      new Promise<LoadStats>((done) => {
        child.once('exit', () => {
          const last = lines().filter((line) => !line.startsWith('snapshot '));
          done(JSON.parse(last[last.length - 1] ?? '{}') as LoadStats);
        });
        child.kill('SIGTERM');
      }),
    snapshot: async () => {
      const before = lines().length;
      child.kill('SIGUSR2');
      while (lines().length === before) await sleep(5);
      return JSON.parse((lines()[before] ?? '').slice('snapshot '.length)) as LoadStats;
    },
  };
}

/** Sockets listening on `port` (IPv4 and IPv6), from /proc/net: a shared socket counts once. */
export function listeningSockets(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${hex}`) && fields[3] === '0A') count += 1;
    }
  }
  return count;
}

/** Live processes whose command line contains `text`, with their parent pids. */
export function processesWith(text: string): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] !== 'Z') found.push({ pid: Number(name), ppid: Number(rest[1]) });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

export interface RunFile {
  pid: number;
  startTime: number | null;
  workerPid?: number;
  workerStartTime?: number | null;
  port: number;
}

export function frontDoorRun(project: Project): RunFile | undefined {
  try {
    return JSON.parse(readFileSync(join(project.dir, 'state/front-door/web/run.json'), 'utf8')) as RunFile;
  } catch {
    return undefined;
  }
}

/**
 * The processes serving the front door of `project`: the supervisor and its
 * worker (the builtin switch's, or HAProxy), and any HAProxy on the project's
 * config whose supervisor is gone.
 */
export function frontDoorProcesses(project: Project, router: Router): number[] {
  const [marker, script, worker] =
    router === 'haproxy'
      ? ['state/front-door/web/haproxy.cfg', 'haproxy-supervisor', 'haproxy']
      : ['state/front-door/web/control.sock', 'switch-supervisor', 'switch-worker.js'];
  const mine = processesWith(join(project.dir, marker));
  const supervisors = mine.filter((p) => readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(script));
  const workers = processesWith(worker).filter((w) => supervisors.some((s) => s.pid === w.ppid));
  const known = new Set([...supervisors, ...workers].map((p) => p.pid));
  const orphans = router === 'haproxy' ? mine.filter((p) => !known.has(p.pid)) : [];
  return [...supervisors, ...workers, ...orphans].map((p) => p.pid);
}

/** /proc start time of a live process; null when it is gone or a zombie (dead, not yet reaped by init) */
export function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[0] === 'Z' ? null : Number(rest[19]);
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether 20 requests at once to the front door on `port` are all answered by `release`. */
export const answersAll = async (port: number, release: string): Promise<boolean> => {
  const answers = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(port)));
  return answers.every((answer) => answer === release);
};
