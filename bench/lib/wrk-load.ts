/**
 * Runs Debian's `wrk` against a URL and reads its summary: the one load tool used
 * for every row of the proxy benchmark, so rows compare like with like.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface WrkOptions {
  /** seconds of measured load; default 5 */
  durationSeconds?: number;
  /** open keep-alive connections; default 50 */
  connections?: number;
  /** wrk threads; default 1 (the machine has 2 cores shared with the servers) */
  threads?: number;
  /** a wrk Lua script shaping each request (`-s`); default none */
  script?: string;
}

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** non-2xx/3xx responses plus socket errors */
  errors: number;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

function toMs(value: string, unit: string): number {
  const number = Number(value);
  if (unit === 'us') return number / 1000;
  if (unit === 's') return number * 1000;
  if (unit === 'm') return number * 60_000;
  return number;
}

/** Parses wrk's text summary (run with --latency). */
export function parseWrk(output: string): WrkResult {
  const latency = (percent: string): number => {
    const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return match ? toMs(match[1] as string, match[2] as string) : NaN;
  };
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: rate ? Number(rate[1]) : NaN,
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    requests: total ? Number(total[1]) : 0,
    errors: (non2xx ? Number(non2xx[1]) : 0) + socketErrors,
  };
}

export function runWrk(url: string, options: WrkOptions = {}): Promise<WrkResult> {
  const args = [
    '--latency',
    `-t${options.threads ?? 1}`,
    `-c${options.connections ?? 50}`,
    `-d${options.durationSeconds ?? 5}s`,
    ...(options.script !== undefined ? ['-s', options.script] : []),
    url,
  ];
  return new Promise<WrkResult>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`wrk exited with ${code}: ${output.trim()}`));
      else resolve(parseWrk(output));
    });
  });
}
