/**
 * Shared test harness for the monitor, approvals and policy tests: a real HTTP
 * server whose metric values (per revision) and smoke answers the test changes,
 * a rewind.yaml using the COMMAND driver (examples/command-driver/platform.mjs),
 * and a real controller started in-process on 127.0.0.1:0.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Controller } from '../../src/runtime/controller.js';
import { startController } from '../../src/runtime/controller.js';
import { controllerServices } from '../../src/runtime/services.js';
import { loadConfig } from '../../src/config/load.js';
import type { RewindEvent } from '../../src/core/model.js';

export const PLATFORM = resolve('examples/command-driver/platform.mjs');

export interface MetricsServer {
  url: string;
  /** `${metric}` or `${metric}/${revision}` → value; null answers JSON null */
  values: Map<string, number | null>;
  /** same keys → relative noise: each answer is value × (1 ± jitter/2), uniformly */
  jitter: Map<string, number>;
  /** smoke answers: status of /smoke, and how many more requests fail */
  smoke: { failNext: number };
  requests: string[];
  close(): Promise<void>;
}

export async function startMetricsServer(): Promise<MetricsServer> {
  const values = new Map<string, number | null>();
  const jitter = new Map<string, number>();
  const smoke = { failNext: 0 };
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    if (path === '/smoke') {
      const fail = smoke.failNext > 0;
      if (fail) smoke.failNext -= 1;
      res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' });
      res.end(fail ? 'broken' : 'all good');
      return;
    }
    const [, , metric, revision] = path.split('/');
    const key = values.has(`${metric}/${revision}`) ? `${metric}/${revision}` : (metric ?? '');
    const base = values.get(key) ?? 0;
    const spread = jitter.get(key) ?? 0;
    const value = base === null ? null : base * (1 + (Math.random() - 0.5) * spread);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    values,
    jitter,
    smoke,
    requests,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `rewind-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A command-driver service. Each service gets its own platform state file: the
 * example platform rewrites its file without locking, and housekeeping may
 * retire one service's release while another deploys.
 */
export function commandService(
  dir: string,
  extra: Record<string, unknown> = {},
  stateFile = 'platform-state.json',
): Record<string, unknown> {
  const op = (name: string, ...rest: string[]) => ['node', PLATFORM, name, '{service}', '{env}', ...rest];
  return {
    driver: {
      type: 'command',
      start: op('start', '{version}', '{revision}'),
      shiftTraffic: op('shift', '{version}', '{revision}', '{weight}'),
      retire: op('retire', '{version}', '{revision}'),
      describe: op('describe'),
      env: { PLATFORM_STATE: join(dir, stateFile) },
      timeout: '20s',
    },
    analysis: { duration: '2s' },
    rollbackWindow: '1s',
    postRollback: { watch: '1s', tighten: 0.5 },
    ...extra,
  };
}

/** An http provider with one query per metric: GET <metrics>/m/<metric>/{revision} → {value}. */
export function httpProvider(metricsUrl: string, metrics: string[], name = 'app'): Record<string, unknown> {
  return {
    name,
    type: 'http',
    timeout: '1s',
    queries: Object.fromEntries(metrics.map((m) => [m, { url: `${metricsUrl}/m/${m}/{revision}`, path: 'value' }])),
  };
}

/** Writes rewind.yaml (JSON is YAML) and returns its path. */
export function writeConfig(dir: string, config: Record<string, unknown>, file = 'rewind.yaml'): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    JSON.stringify(
      { version: 1, controller: { stateDir: join(dir, '.rewind'), evaluationInterval: '250ms' }, ...config },
      null,
      2,
    ),
  );
  return path;
}

export async function startTestController(configFile: string): Promise<Controller> {
  const loaded = loadConfig(configFile);
  return startController(loaded, { listen: '127.0.0.1:0', drainTimeoutMs: 5000, ...controllerServices(loaded) });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function eventsOf(controller: Controller, type: string, service?: string): Promise<RewindEvent[]> {
  return controller.ctx.store.listEvents({ types: [type], ...(service ? { service } : {}), limit: 5000 });
}

export const actor = (name: string) => ({ name });
