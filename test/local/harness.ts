/**
 * Shared setup for the local driver tests: a temp state dir, the real sample
 * service, real probes, and a cleanup that stops every process a test started —
 * through the driver first, then by process group from the run files as a
 * safety net, so a failing test leaves nothing behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Release } from '../../src/core/model.js';
import {
  createLocalDriver,
  type LocalDriver,
  type LocalDriverOptions,
  type LocalServiceOptions,
} from '../../src/drivers/local/index.js';
import { createHealthProbe } from '../../src/monitor/probes/index.js';
import type { TrafficSwitch, Upstream } from '../../src/proxy/types.js';

export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/demo/app');

/**
 * Stands in for the proxy's switch, which is built on another branch: it keeps
 * pools and weights exactly as the contract says and drains at once. The driver
 * tests assert what the driver hands it, never that it was "called".
 */
export function createRecordingSwitch(): TrafficSwitch & { pools: Map<number, Upstream[]> } {
  const pools = new Map<number, Upstream[]>();
  let current: Record<number, number> = {};
  return {
    pools,
    listen: async () => ({ host: '127.0.0.1', port: 0 }),
    setUpstreams: (revision, upstreams) => void pools.set(revision, [...upstreams]),
    removeRelease(revision) {
      pools.delete(revision);
      const { [revision]: _gone, ...rest } = current;
      current = rest;
    },
    setWeights: (weights) => void (current = { ...weights }),
    weights: () => ({ ...current }),
    inFlight: () => 0,
    drain: async () => true,
    telemetry: {
      read: () => ({ value: 0, samples: 0 }),
      fractionAbove: () => ({ value: 0, samples: 0 }),
      seconds: () => [],
    },
    close: async () => undefined,
  };
}

export function release(revision: number, version = `v${revision}`, service = 'web', environment = 'test'): Release {
  return {
    id: `${service}-${environment}-${revision}`,
    service,
    environment,
    revision,
    version,
    status: 'deploying',
    artifact: null,
    configHash: null,
    schemaVersion: null,
    createdAt: 0,
    updatedAt: 0,
    promotedAt: null,
    deployedBy: 'test',
  };
}

export function demoService(overrides: Partial<LocalServiceOptions> = {}): LocalServiceOptions {
  return {
    command: [process.execPath, 'server.js', '--release', '{version}'],
    cwd: APP_DIR,
    env: { APP_VERSION: '{version}' },
    portEnv: 'PORT',
    instances: 1,
    stopTimeoutMs: 3000,
    health: { intervalMs: 200, timeoutMs: 500, failureThreshold: 3 },
    ...overrides,
  };
}

export interface Harness {
  stateDir: string;
  switch: ReturnType<typeof createRecordingSwitch>;
  driver(services: Record<string, LocalServiceOptions>, extra?: Partial<LocalDriverOptions>): LocalDriver;
  cleanup(): Promise<void>;
}

export function createHarness(): Harness {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'rewind-local-'));
  const trafficSwitch = createRecordingSwitch();
  const drivers: LocalDriver[] = [];
  return {
    stateDir,
    switch: trafficSwitch,
    driver(services, extra = {}) {
      const driver = createLocalDriver({
        stateDir,
        services,
        switchFor: () => trafficSwitch,
        createProbe: createHealthProbe,
        backoff: { initialMs: 100, maxMs: 2000, resetAfterMs: 10_000 },
        ...extra,
      });
      drivers.push(driver);
      return driver;
    },
    async cleanup() {
      for (const driver of drivers) await driver.stopAll().catch(() => undefined);
      for (const driver of drivers) await driver.close();
      killRunFileGroups(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** The safety net: SIGKILL every process group a run file still names. */
export function killRunFileGroups(stateDir: string): void {
  const dir = path.join(stateDir, 'run');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const record = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { instances: { pid: number }[] };
    for (const instance of record.instances) {
      try {
        process.kill(-instance.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

export function getJson(port: number, pathname = '/'): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      })
      .on('error', reject);
  });
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
