/**
 * Proxy benchmark (DESIGN.md "Measured, not assumed"): throughput and p50/p99
 * latency of one upstream measured directly, through Rewind's traffic switch,
 * through the haproxy router and through nginx, all with the same load tool (wrk, keep-alive connections) in the
 * same run. The upstream is a separate Node process answering a short body, so
 * the rows differ only by what sits in front of it.
 *
 * Run: `node dist/bench/proxy.js` after a build, or call `proxyBench()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createTrafficSwitch } from '../src/proxy/index.js';
import { createHaproxyRouter, findHaproxy } from '../src/proxy/haproxy/index.js';
import { hasWrk, runWrk } from './lib/wrk-load.js';
import type { WrkOptions, WrkResult } from './lib/wrk-load.js';
import { nginxBinary, startNginx } from './lib/nginx-proxy.js';
import { cpuMicros, selfMicros } from './lib/proxy-cpu.js';

export interface ProxyBenchOptions extends WrkOptions {
  /** seconds of unmeasured load before each measurement; default 1 */
  warmupSeconds?: number;
  /** measurements per target, interleaved; the table shows medians; default 3 */
  rounds?: number;
}

type Row = Record<string, string | number>;

const UPSTREAM_SCRIPT = `
const http = require('node:http');
const body = Buffer.from('hello from v1\\n');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

function startUpstream(): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', UPSTREAM_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout?.once('data', (chunk: Buffer) => resolve({ port: Number(chunk.toString().trim()), child }));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
};

interface Target {
  name: string;
  port: number;
  results: WrkResult[];
  /** requests the router's own telemetry counted so far (routers only) */
  counted?: () => number;
  /** what `counted` grew by over each measured run */
  countedInRuns: number;
  /** CPU µs the target has used so far: the proxy's process(es), plus this one where it does the work */
  cpu: () => number;
  /** CPU µs per request of each measured run */
  cpuPerRequest: number[];
}

const ALL_RETAINED = 900_000;

function row(target: Target, direct: number): Row {
  const rate = median(target.results.map((result) => result.requestsPerSecond));
  return {
    target: target.name,
    'req/s': Math.round(rate),
    'vs direct': `${Math.round((100 * rate) / direct)}%`,
    'p50 ms': Number(median(target.results.map((result) => result.p50Ms)).toFixed(2)),
    'p99 ms': Number(median(target.results.map((result) => result.p99Ms)).toFixed(2)),
    requests: target.results.reduce((sum, result) => sum + result.requests, 0),
    errors: target.results.reduce((sum, result) => sum + result.errors, 0),
    'CPU µs/req': Number(median(target.cpuPerRequest).toFixed(1)),
    ...(target.counted ? { 'telemetry counted': target.countedInRuns } : {}),
  };
}

/** Lets a router's last log lines of a run arrive before its count is read. */
const settle = (target: Target): Promise<void> =>
  target.counted ? new Promise((resolve) => setTimeout(resolve, 300)) : Promise.resolve();

/**
 * Measures every target `rounds` times, interleaved (direct, switch, nginx,
 * direct, …) so load from elsewhere on the machine hits all rows alike; each
 * figure is the median over rounds, requests and errors are totals.
 */
export async function proxyBench(options: ProxyBenchOptions = {}): Promise<Row[]> {
  if (!hasWrk()) {
    console.warn('proxy bench: wrk is not installed (Debian package `wrk`); skipping every proxy row');
    return [];
  }
  const upstream = await startUpstream();
  const cleanups: (() => Promise<void> | void)[] = [() => void upstream.child.kill()];
  try {
    const first = { name: 'direct', port: upstream.port, results: [], countedInRuns: 0, cpuPerRequest: [] };
    const targets: Target[] = [{ ...first, cpu: () => cpuMicros(upstream.child.pid) }];
    const traffic = createTrafficSwitch({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => traffic.close());
    traffic.setUpstreams(1, [{ host: '127.0.0.1', port: upstream.port }]);
    traffic.setWeights({ 1: 100 });
    targets.push({
      name: 'rewind switch',
      port: (await traffic.listen()).port,
      results: [],
      counted: () => traffic.telemetry.read(1, 'requests', Date.now() + 1000, ALL_RETAINED).value,
      cpu: selfMicros,
      countedInRuns: 0,
      cpuPerRequest: [],
    });
    if (findHaproxy() === undefined) {
      console.warn('proxy bench: haproxy is not installed (Debian package `haproxy`); skipping the haproxy row');
    } else {
      const haproxy = createHaproxyRouter({ host: '127.0.0.1', port: 0 });
      cleanups.push(() => haproxy.close());
      const front = await haproxy.listen();
      haproxy.setUpstreams(1, [{ host: '127.0.0.1', port: upstream.port }]);
      haproxy.setWeights({ 1: 100 });
      await haproxy.settled();
      targets.push({
        name: 'haproxy router (1 thread)',
        port: front.port,
        results: [],
        counted: () => haproxy.logLines,
        cpu: () => cpuMicros(haproxy.pid()) + selfMicros(),
        countedInRuns: 0,
        cpuPerRequest: [],
      });
    }
    const binary = nginxBinary();
    if (binary === undefined) {
      console.warn('proxy bench: nginx is not installed (Debian package `nginx`); skipping the nginx row');
    } else {
      const nginx = await startNginx(binary, await freePort(), upstream.port);
      cleanups.push(() => nginx.stop());
      targets.push({
        name: 'nginx (1 worker)',
        port: nginx.port,
        results: [],
        cpu: () => cpuMicros(nginx.pid),
        countedInRuns: 0,
        cpuPerRequest: [],
      });
    }
    for (let round = 0; round < (options.rounds ?? 3); round += 1) {
      for (const target of targets) {
        const url = `http://127.0.0.1:${target.port}/`;
        await runWrk(url, { ...options, durationSeconds: options.warmupSeconds ?? 1 });
        await settle(target);
        const before = target.counted?.() ?? 0;
        const cpuBefore = target.cpu();
        const result = await runWrk(url, options);
        target.cpuPerRequest.push((target.cpu() - cpuBefore) / Math.max(1, result.requests));
        target.results.push(result);
        await settle(target);
        target.countedInRuns += (target.counted?.() ?? 0) - before;
      }
    }
    const direct = median(targets[0]?.results.map((result) => result.requestsPerSecond) ?? []);
    return targets.map((target) => row(target, direct));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/** Prints rows as an aligned text table. */
export function printTable(rows: Row[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as Row);
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => String(row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(columns.map((column) => String(row[column] ?? ''))));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rows = await proxyBench({ durationSeconds: seconds });
  console.log(
    `proxy: wrk -t1 -c50, ${seconds} s × 3 interleaved rounds per target (medians); upstream is one Node process`,
  );
  printTable(rows);
}
