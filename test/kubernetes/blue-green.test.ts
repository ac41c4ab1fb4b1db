/**
 * Blue-green by Service selector on the SIMULATED Kubernetes API server, with a
 * real controller in-process and Debian's real kubectl reading back the state.
 * While Rewind works, a poller reads the Service's Endpoints from the API server
 * every 20 ms: there must never be a moment without a ready endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { actor, startTestController, tempDir, writeConfig } from '../monitor/harness.js';
import type { SimCluster } from './harness.js';
import { applyAll, deploymentManifest, namespaceManifest, skipKube, startSimCluster } from './harness.js';

const NS = 'shop';
let cluster: SimCluster;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;

interface Observation {
  selector: string | undefined;
  readyEndpoints: number;
}

/** Polls Service selector and Endpoints over HTTP until stopped. */
function observe(url: string): { stop(): Promise<Observation[]> } {
  const seen: Observation[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const [svc, ep] = await Promise.all([
        fetch(`${url}/api/v1/namespaces/${NS}/services/web`).then((r) => r.json()),
        fetch(`${url}/api/v1/namespaces/${NS}/endpoints/web`).then((r) => r.json()),
      ]);
      const subsets = (ep as { subsets?: { addresses?: unknown[] }[] }).subsets ?? [];
      seen.push({
        selector: (svc as { spec?: { selector?: Record<string, string> } }).spec?.selector?.color,
        readyEndpoints: subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0),
      });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

const replicas = async (name: string) =>
  Number(
    await cluster.kubectl(['get', 'deployment', name, '-n', NS, '-o', 'jsonpath={.spec.replicas}']).then((s) => s || 0),
  );
const selector = async () =>
  (await cluster.kubectl(['get', 'service', 'web', '-n', NS, '-o', 'jsonpath={.spec.selector.color}'])).trim();

describe.skipIf(skipKube)('kubernetes blue-green (simulated API server, real kubectl)', () => {
  beforeAll(async () => {
    temp = tempDir('kube-bluegreen');
    cluster = await startSimCluster(temp.dir);
    await applyAll(cluster, [
      namespaceManifest(NS),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: NS },
        spec: { selector: { app: 'web', color: 'blue' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
      deploymentManifest('web-blue', NS, 'shop/web:v1', 2, { app: 'web', color: 'blue' }),
      deploymentManifest('web-green', NS, 'shop/web:v1', 0, { app: 'web', color: 'green' }),
    ]);
    await cluster.kubectl(['rollout', 'status', 'deployment/web-blue', '-n', NS, '--timeout=30s']);
    const file = writeConfig(temp.dir, {
      environments: { production: {} },
      services: {
        web: {
          driver: {
            type: 'kubernetes',
            kubeconfig: './kubeconfig',
            namespace: NS,
            service: 'web',
            colorLabel: 'color',
            container: 'web',
            image: 'shop/web',
            replicas: 2,
          },
          strategy: 'bluegreen',
          analysis: { duration: '0s' },
          health: { readyTimeout: '8s' },
          rollbackWindow: '10m',
          postRollback: { watch: '1s', tighten: 0.5 },
        },
      },
      policy: { cooldownPeriod: '0s' },
    });
    controller = await startTestController(file);
  }, 60_000);

  afterAll(async () => {
    await controller?.close();
    await cluster?.close();
    temp?.remove();
  });

  it('flips the selector only once the new colour is ready, keeps the old one warm, and flips back on undo', async () => {
    const watching = observe(cluster.sim.url);
    const v2 = await controller.api.deploy({ service: 'web', version: 'v2', watch: true, actor: actor('ci') });
    expect(v2.outcome).toBe('promoted');
    expect(await selector()).toBe('green');
    // the previous colour stays scaled up for the rollback window
    expect(await replicas('web-blue')).toBe(2);
    expect(await replicas('web-green')).toBe(2);

    // a colour that never becomes ready never gets traffic, and is scaled to 0 again
    const bad = await controller.api.deploy({ service: 'web', version: 'unready1', watch: true, actor: actor('ci') });
    expect(bad.outcome).toBe('failed');
    expect(await selector()).toBe('green');
    expect(await replicas('web-blue')).toBe(0);

    const undone = await controller.api.undo({ service: 'web', wait: true, actor: actor('alice') });
    expect(undone.rollback?.status).toBe('succeeded');
    expect(undone.to).toEqual({ revision: 1, version: 'v1' });
    expect(undone.rollback?.steps.map((s) => s.name)).toEqual([
      'start',
      'await-healthy',
      'shift-traffic',
      'retire',
      'watch',
    ]);
    expect(await selector()).toBe('blue');
    expect(await replicas('web-green')).toBe(0);
    const image = await cluster.kubectl([
      'get',
      'deployment',
      'web-blue',
      '-n',
      NS,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    expect(image).toBe('shop/web:v1');

    const seen = await watching.stop();
    expect(seen.length).toBeGreaterThan(50);
    expect(seen.filter((o) => o.readyEndpoints === 0)).toEqual([]);
    expect(new Set(seen.map((o) => o.selector))).toEqual(new Set(['blue', 'green']));
  }, 120_000);

  it('an emergency undo flips first, then scales the bad colour to 0 and force-deletes its pods', async () => {
    const v3 = await controller.api.deploy({ service: 'web', version: 'v3', watch: true, actor: actor('ci') });
    expect(v3.outcome).toBe('promoted');
    expect(await selector()).toBe('green');
    const undone = await controller.api.undo({
      service: 'web',
      emergency: true,
      reason: 'checkout broken',
      wait: true,
      actor: actor('alice'),
    });
    expect(undone.rollback?.status).toBe('succeeded');
    const steps = undone.rollback?.steps ?? [];
    expect(steps.map((s) => s.name)).toEqual(['await-healthy', 'shift-traffic', 'retire']);
    expect(steps[2]?.output).toContain('grace period 0');
    expect(await selector()).toBe('blue');
    expect(await replicas('web-green')).toBe(0);
    const pods = await cluster.json<{ items: unknown[] }>(['get', 'pods', '-n', NS, '-l', 'color=green']);
    expect(pods.items).toEqual([]);
  }, 120_000);
});
