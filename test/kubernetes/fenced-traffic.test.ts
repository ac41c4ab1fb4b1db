/**
 * Fenced traffic writes on the SIMULATED API server, read back with real kubectl:
 * the VirtualService records the lease token of each weight change, a write under
 * an older token (a deposed leader) is refused and changes nothing, a newer one
 * goes through. Without a fence the write is plain, as before; a controller's
 * driver writes under the lease it leads with, so once a newer token is recorded
 * its traffic shifts are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Driver } from '../../src/core/ports/driver.js';
import { createKubeClient } from '../../src/drivers/kubernetes/client.js';
import { fencedWrite } from '../../src/drivers/kubernetes/fencing.js';
import { closeContext, composeContext } from '../../src/app/compose.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load.js';
import { startTestController, tempDir, writeConfig } from '../monitor/harness.js';
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
let driver: Driver;
let ctx: AppContext | undefined;
let configFile = '';

interface VirtualService {
  metadata: { annotations?: Record<string, string> };
  spec: { http: { route: { destination: { host: string }; weight: number }[] }[] };
}

/** The weights of api and api-canary and the recorded token, as kubectl reads them. */
async function routerState(): Promise<{ weights: [number, number]; token: string | undefined }> {
  const vs = await cluster.json<VirtualService>(['get', 'virtualservices.networking.istio.io', 'api', '-n', NS]);
  const route = vs.spec.http[0]?.route ?? [];
  const of = (host: string) => route.find((r) => r.destination.host === host)?.weight ?? -1;
  return { weights: [of('api'), of('api-canary')], token: vs.metadata.annotations?.['rewind.dev/lease-token'] };
}

const annotations = async (): Promise<Record<string, string>> =>
  (await cluster.json<VirtualService>(['get', 'virtualservices.networking.istio.io', 'api', '-n', NS])).metadata
    .annotations ?? {};

const shift = (weights: Record<number, number>, token?: number) =>
  driver.shiftTraffic('api', 'production', weights, [], token ? { fence: { name: 'controller', token } } : {});

/** A Deployment that already runs the given Rewind revision. */
function atRevision(name: string, revision: number, replicas: number): Record<string, unknown> {
  const manifest = deploymentManifest(name, NS, `shop/api:v${revision}`, replicas, { app: 'api', track: name });
  return { ...manifest, metadata: { name, namespace: NS, annotations: { 'rewind.dev/revision': String(revision) } } };
}

describe.skipIf(skipKube)('fenced traffic writes (simulated API server, real kubectl)', () => {
  beforeAll(async () => {
    temp = tempDir('kube-fence');
    cluster = await startSimCluster(temp.dir);
    await applyAll(cluster, [
      namespaceManifest(NS),
      atRevision('api', 1, 2),
      atRevision('api-canary', 2, 1),
      virtualServiceManifest('api', NS, ['api', 'api-canary']),
    ]);
    for (const name of ['api', 'api-canary'])
      await cluster.kubectl(['rollout', 'status', `deployment/${name}`, '-n', NS, '--timeout=30s']);
    const file = writeConfig(temp.dir, {
      environments: { production: {} },
      services: {
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
          },
          strategy: 'canary',
        },
      },
    });
    configFile = file;
    // outside any controller: no lease, so the driver writes only under the fences given to it
    ctx = composeContext(loadConfig(file), { owner: false });
    driver = ctx.driver('api');
  }, 60_000);

  afterAll(async () => {
    if (ctx) await closeContext(ctx);
    await controller?.close();
    await cluster?.close();
    temp?.remove();
  });

  it('records the token, refuses an older one without writing, lets a newer one through', async () => {
    expect(driver.capabilities.fencedTraffic).toBe(true);
    await shift({ 1: 50, 2: 50 }, 7);
    expect(await routerState()).toEqual({ weights: [50, 50], token: '7' });

    // a deposed leader (token 6) tries to move traffic: refused, nothing written
    await expect(shift({ 1: 0, 2: 100 }, 6)).rejects.toMatchObject({ code: 'FENCED' });
    expect(await routerState()).toEqual({ weights: [50, 50], token: '7' });

    // the same leader again, and a newer one, go through
    await shift({ 1: 75, 2: 25 }, 7);
    await shift({ 1: 100, 2: 0 }, 8);
    expect(await routerState()).toEqual({ weights: [100, 0], token: '8' });
  }, 60_000);

  it('a newer token recorded by another writer fences too', async () => {
    await cluster.kubectl([
      'annotate',
      'virtualservices.networking.istio.io/api',
      '-n',
      NS,
      '--overwrite',
      'rewind.dev/lease-token=9',
    ]);
    await expect(shift({ 1: 0, 2: 100 }, 8)).rejects.toMatchObject({ code: 'FENCED' });
    expect(await routerState()).toEqual({ weights: [100, 0], token: '9' });
  }, 60_000);

  it('a change made between the read and the write is a 409 on the precondition: read again, not overwritten', async () => {
    const client = await createKubeClient({ kubeconfig: cluster.kubeconfig });
    const ref = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', namespace: NS, name: 'api' };
    let writes = 0;
    await fencedWrite({
      what: 'VirtualService shop/api',
      fence: { name: 'controller', token: 10 },
      read: async () => (await client.readCustom(ref))?.metadata as V1ObjectMeta,
      write: async (meta) => {
        writes += 1;
        // someone else writes after our read: the first patch carries a stale resourceVersion
        if (writes === 1)
          await cluster.kubectl(['annotate', 'virtualservices.networking.istio.io/api', '-n', NS, 'owner=ops']);
        return client.patchCustom(ref, { metadata: meta }, 'merge');
      },
    });
    expect(writes).toBe(2);
    const vs = await cluster.json<VirtualService>(['get', 'virtualservices.networking.istio.io', 'api', '-n', NS]);
    expect(vs.metadata.annotations).toMatchObject({ 'rewind.dev/lease-token': '10', owner: 'ops' });
  }, 60_000);

  it('without a fence the write is plain and leaves the recorded token as it is', async () => {
    await shift({ 1: 90, 2: 10 });
    expect(await routerState()).toEqual({ weights: [90, 10], token: '10' });
  }, 60_000);

  it("a controller's traffic shifts carry its lease token, and stop once a newer one is recorded", async () => {
    await closeContext(ctx!);
    ctx = undefined;
    controller = await startTestController(configFile);
    const lease = await controller.ctx.store.getLease('controller');
    expect(lease?.token).toBeGreaterThan(0);
    const leading = controller.ctx.driver('api');
    // the VirtualService records token 10, newer than this controller's: it acts like a deposed leader
    await expect(leading.shiftTraffic('api', 'production', { 1: 0, 2: 100 }, [])).rejects.toMatchObject({
      code: 'FENCED',
    });
    expect(await routerState()).toEqual({ weights: [90, 10], token: '10' });
    await cluster.kubectl([
      'annotate',
      'virtualservices.networking.istio.io/api',
      '-n',
      NS,
      '--overwrite',
      'rewind.dev/lease-token=0',
    ]);
    await leading.shiftTraffic('api', 'production', { 1: 100, 2: 0 }, []);
    expect(await routerState()).toEqual({ weights: [100, 0], token: String(lease?.token) });
    const scope = (await annotations())['rewind.dev/lease-scope'];
    expect(scope).toMatch(/^[0-9a-f-]{36}$/);

    // a newer token of ANOTHER store (a state dir made anew elsewhere) is not comparable: taken over
    await cluster.kubectl([
      'annotate',
      'virtualservices.networking.istio.io/api',
      '-n',
      NS,
      '--overwrite',
      'rewind.dev/lease-token=99',
      'rewind.dev/lease-scope=another-store',
    ]);
    await leading.shiftTraffic('api', 'production', { 1: 60, 2: 40 }, []);
    expect(await routerState()).toEqual({ weights: [60, 40], token: String(lease?.token) });
    expect((await annotations())['rewind.dev/lease-scope']).toBe(scope);
  }, 60_000);
});
