/**
 * `rewind serve` from the built CLI as a real process, the way an operator runs
 * it: started, asked over HTTP, stopped with SIGTERM; `pinProcess` moves it (or
 * any process) onto chosen cores with `taskset`.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSamples } from './prom-histogram.js';

/** The built CLI (`npm run build` first), as package.json's "bin" names it. */
export const REWIND_BIN = [
  resolve(import.meta.dirname, '../../../bin/rewind.js'), // compiled: dist-bench/bench/lib
  resolve(import.meta.dirname, '../../bin/rewind.js'), // from source, as the tests import it
].find((path) => existsSync(path)) as string;

export interface ControllerProcess {
  url: string;
  pid: number;
  /** the samples of one GET /metrics */
  scrape(): Promise<Map<string, number>>;
  output(): string;
  /** SIGTERM; after `graceMs` (default 5 s) of draining a second SIGTERM makes it exit at once */
  stop(graceMs?: number): Promise<void>;
}

/** Runs the built CLI in `cwd`; resolves its exit code and what it printed on stdout (stderr passes through when `showErrors`). */
export function runRewind(
  cwd: string,
  args: string[],
  showErrors = false,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [REWIND_BIN, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', showErrors ? 'inherit' : 'ignore'],
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => done({ code, stdout }));
  });
}

/** Whether `taskset` (util-linux) is here to pin a process to a core. */
export function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Pins every thread of a running process to `cpus` (a taskset list such as `1` or `0-1`); false when it could not. */
export function pinProcess(pid: number, cpus: string): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

export async function startController(options: {
  config: string;
  cwd: string;
  port: number;
  /** how long to wait for /healthz; default 60 s */
  readyTimeoutMs?: number;
  /** write a V8 CPU profile (`node --cpu-prof`) into this directory when the controller exits */
  cpuProfileDir?: string;
}): Promise<ControllerProcess> {
  if (!existsSync(REWIND_BIN.replace(/bin\/rewind\.js$/, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` before this bench');
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  // BENCH_NODE_FLAGS: extra flags for the controller's node (e.g. `--trace-gc`), to see where its time goes
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [
    ...profile,
    ...nodeFlags,
    REWIND_BIN,
    'serve',
    '-c',
    options.config,
    '--listen',
    `127.0.0.1:${options.port}`,
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // BENCH_CONTROLLER_LOG=<file>: the controller's whole output, for a run to look into afterwards
  const logFile = process.env.BENCH_CONTROLLER_LOG;
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rewind serve exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`rewind serve did not answer /healthz: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid as number,
    async scrape() {
      const response = await fetch(`${url}/metrics`);
      if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
      return parseSamples(await response.text());
    },
    output: () => output,
    stop: (graceMs = 5000) =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        // `serve` drains on SIGTERM and exits at once on a second one; SIGKILL as the last resort
        const again = setTimeout(() => child.kill('SIGTERM'), graceMs);
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs + 10_000);
        child.once('exit', () => {
          clearTimeout(again);
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
