/**
 * Canary on an Istio VirtualService, on the SIMULATED API server (which stores the
 * VirtualService as given): the weights move per canary step only once the canary
 * Deployment is ready, and a rollback sets the bad Deployment's weight to 0 before
 * scaling it to 0 — the runbook's reversion order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { actor, startTestController, tempDir, writeConfig } from '../monitor/harness.js';
import type { SimCluster } from './harness.js';
import {
  applyAll,
  deploymentManifest,
  namespaceManifest,
  skipKube,
  startSimCluster,
  virtualServiceManifest,
} from './harness.js';

const NS = 'shop';
let cluster: SimCluster;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;

interface Route {
  destination: { host: string };
  weight: number;
}

/** The VirtualService's weights of api and api-canary, read straight from the API server (fast enough to poll). */
const weights = async (): Promise<[number, number]> => {
  const res = await fetch(`${cluster.sim.url}/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices/api`);
  const vs = (await res.json()) as { spec: { http: { route: Route[] }[] } };
  const route = vs.spec.http[0]?.route ?? [];
  const of = (host: string) => route.find((r) => r.destination.host === host)?.weight ?? -1;
  return [of('api'), of('api-canary')];
};

describe.skipIf(skipKube)('kubernetes canary on an Istio VirtualService (simulated API server, real kubectl)', () => {
  beforeAll(async () => {
    temp = tempDir('kube-canary');
    cluster = await startSimCluster(temp.dir);
    await applyAll(cluster, [
      namespaceManifest(NS),
      deploymentManifest('api', NS, 'shop/api:v1', 2, { app: 'api', track: 'a' }),
      deploymentManifest('api-canary', NS, 'shop/api:v1', 0, { app: 'api', track: 'b' }),
      deploymentManifest('web', NS, 'shop/web:v1', 4, { app: 'web', track: 'a' }),
      deploymentManifest('web-canary', NS, 'shop/web:v1', 0, { app: 'web', track: 'b' }),
      virtualServiceManifest('api', NS, ['api', 'api-canary']),
    ]);
    await cluster.kubectl(['rollout', 'status', 'deployment/api', '-n', NS, '--timeout=30s']);
    const file = writeConfig(temp.dir, {
      environments: { production: {} },
      services: {
        // replica ratio: one Service selects both Deployments' pods (no router)
        web: {
          driver: {
            type: 'kubernetes',
            kubeconfig: './kubeconfig',
            namespace: NS,
            deployment: 'web',
            container: 'web',
            image: 'shop/web',
            replicas: 4,
          },
          strategy: 'canary',
          canary: { steps: [25, 50, 100], pause: '1s', judge: { enabled: false } },
          analysis: { duration: '1s' },
          triggers: [{ name: 'crashing', metric: 'restarts', above: 5, severity: 'critical' }],
          health: { readyTimeout: '20s' },
          postRollback: { watch: '0s', tighten: 0.5 },
        },
        api: {
          driver: {
            type: 'kubernetes',
            kubeconfig: './kubeconfig',
            namespace: NS,
            deployment: 'api',
            canaryDeployment: 'api-canary',
            router: { type: 'istio', name: 'api' },
            container: 'api',
            image: 'shop/api',
            replicas: 2,
          },
          strategy: 'canary',
          canary: { steps: [25, 50, 100], pause: '1s', judge: { enabled: false } },
          analysis: { duration: '1s' },
          // something to watch, so each canary step holds for its pause
          triggers: [{ name: 'crashing', metric: 'restarts', above: 5, severity: 'critical' }],
          health: { readyTimeout: '20s' },
          postRollback: { watch: '0s', tighten: 0.5 },
        },
      },
    });
    controller = await startTestController(file);
  }, 60_000);

  afterAll(async () => {
    await controller?.close();
    await cluster?.close();
    temp?.remove();
  });

  it('moves the weights step by step, then reverts with weight 0 before scaling the canary to 0', async () => {
    const seen: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const w = (await weights()).join('/');
        if (seen.at(-1) !== w) seen.push(w);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const v2 = await controller.api.deploy({ service: 'api', version: 'v2', watch: true, actor: actor('ci') });
    polling = false;
    await poller;
    expect(v2.outcome).toBe('promoted');
    expect(seen).toEqual(['100/0', '75/25', '50/50', '0/100']);
    const traffic = await controller.ctx.store.listEvents({ service: 'api', types: ['deploy.traffic'] });
    expect(traffic.map((e) => e.data.weights)).toEqual([
      { 1: 75, 2: 25 },
      { 1: 50, 2: 50 },
      { 1: 0, 2: 100 },
    ]);

    const undone = await controller.api.undo({ service: 'api', wait: true, actor: actor('alice') });
    expect(undone.rollback?.status).toBe('succeeded');
    const steps = undone.rollback?.steps ?? [];
    expect(steps.map((s) => s.name)).toEqual(['await-healthy', 'shift-traffic', 'retire']);
    // weight 0 first, then scale to 0
    expect((steps[1]?.finishedAt ?? 0) <= (steps[2]?.startedAt ?? 0)).toBe(true);
    expect(steps[1]?.output).toContain('api-canary 0%');
    expect(steps[2]?.output).toContain('api-canary scaled to 0');
    expect(await weights()).toEqual([100, 0]);
    const replicas = await cluster.kubectl([
      'get',
      'deployment',
      'api-canary',
      '-n',
      NS,
      '-o',
      'jsonpath={.spec.replicas}',
    ]);
    expect(replicas).toBe('0');
  }, 120_000);

  it('a replica-ratio canary moves replicas per step and reverts by scaling the canary to 0', async () => {
    const replicas = async (name: string) => {
      const res = await fetch(`${cluster.sim.url}/apis/apps/v1/namespaces/${NS}/deployments/${name}`);
      return ((await res.json()) as { spec: { replicas: number } }).spec.replicas;
    };
    const seen: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const pair = `${await replicas('web')}/${await replicas('web-canary')}`;
        if (seen.at(-1) !== pair) seen.push(pair);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const v2 = await controller.api.deploy({ service: 'web', version: 'v2', watch: true, actor: actor('ci') });
    polling = false;
    await poller;
    expect(v2.outcome).toBe('promoted');
    // one canary pod first, then 25 % → 3/1, 50 % → 2/2, 100 % → 0/4 (the poller may miss a passing state)
    const order = ['4/0', '4/1', '3/1', '2/2', '0/4'].map((state) => seen.indexOf(state));
    expect(
      order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? -1))),
      seen.join(' '),
    ).toBe(true);
    // raised before lowered: the two never hold fewer than the 4 replicas between them
    const sums = seen.map((state) => state.split('/').reduce((sum, n) => sum + Number(n), 0));
    expect(Math.min(...sums), seen.join(' ')).toBeGreaterThanOrEqual(4);
    const undone = await controller.api.undo({ service: 'web', wait: true, actor: actor('alice') });
    expect(undone.rollback?.status).toBe('succeeded');
    expect(undone.rollback?.steps.map((s) => s.name)).toEqual(['start', 'await-healthy', 'shift-traffic', 'retire']);
    expect([await replicas('web'), await replicas('web-canary')]).toEqual([4, 0]);
  }, 120_000);
});
