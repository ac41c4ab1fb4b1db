/**
 * `rewind demo --platform kubernetes`: a blue-green rollback against a SIMULATED
 * Kubernetes API server (no real cluster can run here). Service `web` selects
 * colour blue (v1); a crash-looping build never gets traffic; v2 becomes ready on
 * green and the selector flips; then the runbook's rollback flips it back to the
 * still-warm blue and scales green to 0. Meanwhile the Service's Endpoints are read
 * every 25 ms: the demo fails if there was ever a moment with no ready endpoint.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { RollbackStatus } from '../../core/model.js';
import { startController } from '../controller.js';
import { controllerServices } from '../services.js';

/** The simulated cluster the demo runs against (the CLI starts it). */
export interface DemoCluster {
  url: string;
  /** kubeconfig text aimed at the cluster */
  kubeconfig: string;
}

export interface KubernetesDemoOptions {
  cluster: DemoCluster;
  /** keep config and state here; default a temporary directory, removed at the end */
  stateDir?: string;
  progress?: (line: string) => void;
}

export interface KubernetesDemoResult {
  platform: 'kubernetes (simulated)';
  ok: boolean;
  deploys: { version: string; outcome: string; revision: number }[];
  rollbackId: string | null;
  rollbackStatus: RollbackStatus | null;
  /** the Service selector's colour after each phase */
  selector: { afterV2: string | null; afterRollback: string | null };
  /** Endpoints polls while Rewind worked, and how many saw no ready endpoint */
  endpointPolls: number;
  pollsWithoutEndpoints: number;
  rollbackMs: number | null;
  stateDir: string | null;
}

const NS = 'demo';

function deployment(color: string, replicas: number): Record<string, unknown> {
  const labels = { app: 'web', color };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `web-${color}`, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'shop/web:v1' }] } },
    },
  };
}

async function create(url: string, apiPath: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${apiPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok && response.status !== 409)
    throw new Error(`simulated API server refused ${apiPath}: ${response.status} ${await response.text()}`);
}

async function readyEndpoints(url: string): Promise<number> {
  const ep = (await (await fetch(`${url}/api/v1/namespaces/${NS}/endpoints/web`)).json()) as {
    subsets?: { addresses?: unknown[] }[];
  };
  return (ep.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
}

async function selector(url: string): Promise<string | null> {
  const svc = (await (await fetch(`${url}/api/v1/namespaces/${NS}/services/web`)).json()) as {
    spec?: { selector?: Record<string, string> };
  };
  return svc.spec?.selector?.color ?? null;
}

export async function runKubernetesDemo(options: KubernetesDemoOptions): Promise<KubernetesDemoResult> {
  const write = options.progress ?? (() => undefined);
  const { url } = options.cluster;
  const keep = options.stateDir !== undefined;
  const dir = keep ? path.resolve(options.stateDir as string) : mkdtempSync(path.join(os.tmpdir(), 'rewind-kdemo-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = keep
    ? []
    : [() => rmSync(dir, { recursive: true, force: true })];
  try {
    write(`rewind demo --platform kubernetes: against a SIMULATED API server at ${url} (not a real cluster)`);
    await create(url, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await create(url, `/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { app: 'web', color: 'blue' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    for (const [color, replicas] of [
      ['blue', 2],
      ['green', 0],
    ] as const)
      await create(url, `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(color, replicas));
    writeFileSync(path.join(dir, 'kubeconfig'), options.cluster.kubeconfig, { mode: 0o600 });
    const config = {
      version: 1,
      controller: { stateDir: path.join(dir, '.rewind') },
      environments: { production: {} },
      services: {
        web: {
          driver: { type: 'kubernetes', kubeconfig: './kubeconfig', namespace: NS, service: 'web', image: 'shop/web' },
          strategy: 'bluegreen',
          analysis: { duration: '0s' },
          // a crash-looping colour is given up on after 5 s; it never had traffic
          health: { readyTimeout: '5s' },
          postRollback: { watch: '2s' },
        },
      },
    };
    const file = path.join(dir, 'rewind.yaml');
    writeFileSync(file, JSON.stringify(config, null, 2));
    const loaded = loadConfig(file);
    const controller = await startController(loaded, {
      listen: '127.0.0.1:0',
      drainTimeoutMs: 5_000,
      log: (line) => appendFileSync(path.join(dir, 'controller.log'), `${new Date().toISOString()} ${line}\n`),
      ...controllerServices(loaded),
    });
    cleanups.push(() => controller.close());
    write(`state in ${path.join(dir, '.rewind')}; Service ${NS}/web selects blue (v1, 2 pods, simulated)`);

    // v1 serves before the story starts: the count below is about Rewind's flips, not the cluster's first second
    for (const deadline = Date.now() + 30_000; (await readyEndpoints(url).catch(() => 0)) === 0;) {
      if (Date.now() > deadline) throw new Error('the simulated blue pods never became ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    let polls = 0;
    let empty = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        polls += 1;
        if ((await readyEndpoints(url).catch(() => 0)) === 0) empty += 1;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    cleanups.push(async () => {
      polling = false;
      await poller;
    });
    const actor = { name: 'rewind-demo' };
    const deploys: KubernetesDemoResult['deploys'] = [];
    for (const version of ['crash1', 'v2']) {
      write(`▸ rewind deploy web ${version} (blue-green: idle colour first, selector only once its pods are ready)`);
      const result = await controller.api.deploy({ service: 'web', version, watch: true, actor });
      deploys.push({ version, outcome: result.outcome, revision: result.release.revision });
      write(
        `  ${version}: ${result.outcome}${result.reason ? ` — ${result.reason}` : ''}; selector color=${await selector(url)}`,
      );
    }
    const afterV2 = await selector(url);
    write(
      '▸ rewind undo web --reason "v2 regressed checkout" (flip back to the warm colour, then scale the bad one to 0)',
    );
    const started = Date.now();
    const undo = await controller.api.undo({ service: 'web', reason: 'v2 regressed checkout', wait: true, actor });
    const rollbackMs = Date.now() - started;
    for (const step of undo.rollback?.steps ?? []) write(`  ${step.status.padEnd(6)} ${step.title}`);
    polling = false;
    await poller;
    const afterRollback = await selector(url);
    const rollbackStatus = undo.rollback?.status ?? null;
    const ok =
      rollbackStatus === 'succeeded' &&
      afterV2 === 'green' &&
      afterRollback === 'blue' &&
      empty === 0 &&
      deploys[0]?.outcome === 'failed' &&
      deploys[1]?.outcome === 'promoted';
    return {
      platform: 'kubernetes (simulated)',
      ok,
      deploys,
      rollbackId: undo.rollback?.id ?? null,
      rollbackStatus,
      selector: { afterV2, afterRollback },
      endpointPolls: polls,
      pollsWithoutEndpoints: empty,
      rollbackMs,
      stateDir: keep ? dir : null,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}
