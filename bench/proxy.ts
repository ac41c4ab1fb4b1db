/**
 * Proxy benchmark (DESIGN.md "Measured, not assumed"): throughput and p50/p99
 * latency of one upstream measured directly, through Rewind's traffic switch and
 * through nginx, all with the same load tool (wrk, keep-alive connections) in the
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
import { hasWrk, runWrk } from './lib/wrk-load.js';
import type { WrkOptions } from './lib/wrk-load.js';
import { nginxBinary, startNginx } from './lib/nginx-proxy.js';

export interface ProxyBenchOptions extends WrkOptions {
  /** seconds of unmeasured load before each row; default 1 */
  warmupSeconds?: number;
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

async function measure(target: string, port: number, options: ProxyBenchOptions): Promise<Row> {
  const url = `http://127.0.0.1:${port}/`;
  await runWrk(url, { ...options, durationSeconds: options.warmupSeconds ?? 1 });
  const result = await runWrk(url, options);
  return {
    target,
    'req/s': Math.round(result.requestsPerSecond),
    'p50 ms': Number(result.p50Ms.toFixed(2)),
    'p99 ms': Number(result.p99Ms.toFixed(2)),
    requests: result.requests,
    errors: result.errors,
  };
}

export async function proxyBench(options: ProxyBenchOptions = {}): Promise<Row[]> {
  if (!hasWrk()) {
    console.warn('proxy bench: wrk is not installed (Debian package `wrk`); skipping every proxy row');
    return [];
  }
  const rows: Row[] = [];
  const upstream = await startUpstream();
  const cleanups: (() => Promise<void> | void)[] = [() => void upstream.child.kill()];
  try {
    rows.push(await measure('direct', upstream.port, options));

    const traffic = createTrafficSwitch({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => traffic.close());
    traffic.setUpstreams(1, [{ host: '127.0.0.1', port: upstream.port }]);
    traffic.setWeights({ 1: 100 });
    const bound = await traffic.listen();
    rows.push(await measure('rewind switch', bound.port, options));
    await traffic.close();

    const binary = nginxBinary();
    if (binary === undefined) {
      console.warn('proxy bench: nginx is not installed (Debian package `nginx`); skipping the nginx row');
    } else {
      const nginx = await startNginx(binary, await freePort(), upstream.port);
      cleanups.push(() => nginx.stop());
      rows.push(await measure('nginx (1 worker)', nginx.port, options));
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
  return rows;
}

/** Prints rows as an aligned text table. */
export function printTable(rows: Row[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as Row);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(columns.map((column) => String(row[column] ?? ''))));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await proxyBench({ durationSeconds: Number(process.env.BENCH_SECONDS ?? 5) });
  console.log(`proxy: wrk, 1 thread, 50 keep-alive connections, ${process.env.BENCH_SECONDS ?? 5} s per row`);
  printTable(rows);
}
