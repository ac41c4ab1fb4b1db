/**
 * Gradual restoration on Kubernetes, on the SIMULATED API server with real kubectl:
 * a rollback after promotion gives the target 25 → 50 → 75 → 100 % of the traffic,
 * each share held while the target's triggers are checked, through an Istio
 * VirtualService's weights and through the replica ratio of two Deployments behind
 * one Service. The shares are read from the API server itself while the ramp runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../src/core/model.js';
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

const NS = 'ramp';
let cluster: SimCluster;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;

const get = async <T>(path: string): Promise<T> => (await (await fetch(`${cluster.sim.url}${path}`)).json()) as T;

/** The VirtualService's weights of api and api-canary, as the API server holds them. */
const weights = async (): Promise<string> => {
  type Route = { destination: { host: string }; weight: number };
  const vs = await get<{ spec: { http: { route: Route[] }[] } }>(
    `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices/api`,
  );
  const route = vs.spec.http[0]?.route ?? [];
  const of = (host: string) => route.find((r) => r.destination.host === host)?.weight ?? -1;
  return `${of('api')}/${of('api-canary')}`;
};

const replicas = async (name: string): Promise<number> =>
  (await get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${NS}/deployments/${name}`)).spec.replicas;

/** Every distinct value `read` gave while `run` ran, in order, and what `run` gave. */
async function watchWhile<T>(
  read: () => Promise<string>,
  run: () => Promise<T>,
): Promise<{ seen: string[]; result: T }> {
  const seen: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const value = await read();
      if (seen.at(-1) !== value) seen.push(value);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  try {
    return { seen, result: await run() };
  } finally {
    polling = false;
    await poller;
  }
}

const service = (driver: Record<string, unknown>) => ({
  driver: { type: 'kubernetes', kubeconfig: './kubeconfig', namespace: NS, ...driver },
  strategy: 'canary',
  canary: { steps: [50, 100], pause: '0s', judge: { enabled: false } },
  analysis: { duration: '0s' },
  triggers: [{ name: 'crashing', metric: 'restarts', above: 5, severity: 'critical' }],
  health: { readyTimeout: '20s' },
  postRollback: { watch: '0s' },
  rollback: { restore: { steps: [25, 50, 75, 100], hold: '1500ms', when: 'always' } },
});

const ramp = (steps: Step[]) =>
  steps.map((s) => `${s.name}${typeof s.params.weight === 'number' ? ` ${s.params.weight}` : ''}:${s.status}`);

describe.skipIf(skipKube)('gradual restoration on Kubernetes (simulated API server, real kubectl)', () => {
  beforeAll(async () => {
    temp = tempDir('kube-ramp');
    cluster = await startSimCluster(temp.dir);
    await applyAll(cluster, [
      namespaceManifest(NS),
      deploymentManifest('api', NS, 'shop/api:v1', 2, { app: 'api', track: 'a' }),
      deploymentManifest('api-canary', NS, 'shop/api:v1', 0, { app: 'api', track: 'b' }),
      deploymentManifest('web', NS, 'shop/web:v1', 4, { app: 'web', track: 'a' }),
      deploymentManifest('web-canary', NS, 'shop/web:v1', 0, { app: 'web', track: 'b' }),
      virtualServiceManifest('api', NS, ['api', 'api-canary']),
    ]);
    const file = writeConfig(temp.dir, {
      environments: { production: {} },
      services: {
        api: service({
          deployment: 'api',
          canaryDeployment: 'api-canary',
          router: { type: 'istio', name: 'api' },
          container: 'api',
          image: 'shop/api',
          replicas: 2,
        }),
        web: service({ deployment: 'web', container: 'web', image: 'shop/web', replicas: 4 }),
      },
    });
    controller = await startTestController(file);
  }, 60_000);

  afterAll(async () => {
    await controller?.close();
    await cluster?.close();
    temp?.remove();
  });

  it('an Istio VirtualService gets 25/50/75 % to the target, each held, then 100 %', async () => {
    const v2 = await controller.api.deploy({ service: 'api', version: 'v2', watch: true, actor: actor('ci') });
    expect(v2.outcome).toBe('promoted');
    expect(await weights()).toBe('0/100');
    const { seen, result: rollback } = await watchWhile(
      weights,
      async () => (await controller.api.undo({ service: 'api', wait: true, actor: actor('alice') })).rollback,
    );
    expect(rollback?.status).toBe('succeeded');
    expect(seen).toEqual(['0/100', '25/75', '50/50', '75/25', '100/0']);
    const steps = rollback?.steps ?? [];
    expect(ramp(steps).filter((s) => s.startsWith('shift') || s.startsWith('hold'))).toEqual([
      'shift-traffic:done',
      'hold 25:done',
      'shift-traffic:done',
      'hold 50:done',
      'shift-traffic:done',
      'hold 75:done',
      'shift-traffic:done',
    ]);
    // each share was held for its time, with the weights read back from the API server meanwhile
    for (const hold of steps.filter((s) => s.name === 'hold')) {
      expect((hold.finishedAt ?? 0) - (hold.startedAt ?? 0)).toBeGreaterThanOrEqual(1400);
    }
  }, 120_000);

  it('a replica-ratio service gets its share as replicas of the target, raised before the bad one is lowered', async () => {
    const v2 = await controller.api.deploy({ service: 'web', version: 'v2', watch: true, actor: actor('ci') });
    expect(v2.outcome).toBe('promoted');
    const { seen, result: rollback } = await watchWhile(
      async () => `${await replicas('web')}/${await replicas('web-canary')}`,
      async () => (await controller.api.undo({ service: 'web', wait: true, actor: actor('alice') })).rollback,
    );
    expect(rollback?.status).toBe('succeeded');
    expect(ramp(rollback?.steps ?? []).filter((s) => s.startsWith('hold'))).toEqual([
      'hold 25:done',
      'hold 50:done',
      'hold 75:done',
    ]);
    // 25 % of 4 replicas is 1 of the target beside 3 of the bad release, and so on (the poller may miss a passing state)
    const order = ['1/3', '2/2', '3/1', '4/0'].map((state) => seen.indexOf(state));
    expect(
      order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? -1))),
      seen.join(' '),
    ).toBe(true);
    const sums = seen.map((state) => state.split('/').reduce((sum, n) => sum + Number(n), 0));
    expect(Math.min(...sums), seen.join(' ')).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
