/**
 * Controller restart: does the service notice Rewind's own lifecycle? A
 * two-instance local service (the bundled sample app) behind each router takes
 * ~200 requests/s of GET and POST from a separate client process; 3 s in, the
 * controller is stopped (SIGKILL, or SIGTERM as an upgrade or restart does), a
 * new `rewind serve` starts 2 s later, and the load runs 3 s more. Figures per
 * router and signal: requests failed (errors and 5xx) and the longest gap
 * between two answers the client saw. Goal: 0 failed requests.
 *
 * Run alone: `node dist-bench/bench/controller-restart.js` after `npm run build`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../test/harness/free-port.js';
import { printBenchTable, type BenchFigure } from './lib/bench-table.js';
import { runRewind, startController } from './lib/controller-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE_APP = join(ROOT, 'examples/demo/app/server.js');
const LOAD_CLIENT = join(ROOT, 'test/frontdoor/load-client.mjs');

type Router = 'builtin' | 'haproxy';
interface LoadStats {
  sent: number;
  answered: number;
  failed: number;
  longestGapMs: number;
}
export interface RestartRow {
  router: Router;
  signal: 'SIGKILL' | 'SIGTERM';
  sent: number;
  failed: number;
  longestGapMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cli = async (cwd: string, ...args: string[]): Promise<number | null> => (await runRewind(cwd, args)).code;

async function scenario(router: Router, signal: 'SIGKILL' | 'SIGTERM'): Promise<RestartRow> {
  const dir = mkdtempSync(join(tmpdir(), `rewind-bench-restart-${router}-`));
  const [controller, front] = [await freePort(), await freePort()];
  const config = join(dir, 'rewind.yaml');
  writeFileSync(
    config,
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${controller}" }
environments: { production: {} }
services:
  web:
    driver: { type: local, command: ["node", "${SAMPLE_APP}", "--release", "{version}"], instances: 2, listen: "127.0.0.1:${front}", router: ${router} }
    health: { ready: /health/ready, interval: 200ms }
    analysis: { duration: 0s }
`,
  );
  let serve = await startController({ config, cwd: dir, port: controller });
  try {
    if ((await cli(dir, 'deploy', 'web', 'v1')) !== 0) throw new Error(`deploy v1 failed behind ${router}`);
    const load = spawn(process.execPath, [LOAD_CLIENT, `http://127.0.0.1:${front}/`, '200'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    load.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await sleep(3000);
    if (signal === 'SIGKILL') process.kill(serve.pid, 'SIGKILL');
    else await serve.stop();
    await sleep(2000);
    serve = await startController({ config, cwd: dir, port: controller });
    await sleep(3000);
    const stats = await new Promise<LoadStats>((done) => {
      load.once('exit', () => done(JSON.parse(out.split('\n')[1] ?? '{}') as LoadStats));
      load.kill('SIGTERM');
    });
    return { router, signal, sent: stats.sent, failed: stats.failed, longestGapMs: stats.longestGapMs };
  } finally {
    await serve.stop();
    await cli(dir, 'down');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function controllerRestartBench(): Promise<RestartRow[]> {
  const routers: Router[] = existsSync('/usr/sbin/haproxy') ? ['builtin', 'haproxy'] : ['builtin'];
  if (routers.length === 1)
    console.error('bench controller-restart: haproxy router skipped — Debian haproxy is not installed');
  const rows: RestartRow[] = [];
  for (const router of routers)
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) rows.push(await scenario(router, signal));
  return rows;
}

export function controllerRestartFigures(rows: RestartRow[]): BenchFigure[] {
  return rows.flatMap((row) => [
    {
      bench: 'controller-restart',
      figure: `${row.router}: failed requests, controller ${row.signal} + restart`,
      value: row.failed,
      unit: '',
      baselines: [{ name: 'goal', value: 0, goal: 'at most' as const }],
      note: `${row.sent} requests at 200/s (GET and POST), controller down 2 s`,
    },
    {
      bench: 'controller-restart',
      figure: `${row.router}: longest gap between answers, ${row.signal}`,
      value: row.longestGapMs,
      unit: 'ms',
      baselines: [],
    },
  ]);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  printBenchTable(controllerRestartFigures(await controllerRestartBench()));
}
