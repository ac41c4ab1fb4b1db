/**
 * ConfigMaps roll back with the release, and a flag is switched on the running
 * release's container env — on the SIMULATED API server, read back with real kubectl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { actor, startTestController, tempDir, writeConfig } from '../monitor/harness.js';
import type { SimCluster } from './harness.js';
import {
  applyAll,
  deploymentManifest,
  historyRevisions,
  imageOf,
  namespaceManifest,
  skipKube,
  startSimCluster,
} from './harness.js';

const NS = 'shop';
let cluster: SimCluster;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;

const greeting = async (name = 'api-config') =>
  (await cluster.kubectl(['get', 'configmap', name, '-n', NS, '-o', 'jsonpath={.data.GREETING}'])).trim();

describe.skipIf(skipKube)('kubernetes config snapshots and flags (simulated API server, real kubectl)', () => {
  beforeAll(async () => {
    temp = tempDir('kube-config');
    cluster = await startSimCluster(temp.dir);
    await applyAll(cluster, [
      namespaceManifest(NS),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'api-config', namespace: NS },
        data: { GREETING: 'hello' },
      },
      deploymentManifest(
        'api',
        NS,
        'shop/api:v1',
        2,
        { app: 'api' },
        {
          configMap: 'api-config',
          env: [{ name: 'FEATURE_X', value: 'true' }],
        },
      ),
    ]);
    await cluster.kubectl(['rollout', 'status', 'deployment/api', '-n', NS, '--timeout=30s']);
    const file = writeConfig(temp.dir, {
      environments: { production: {} },
      services: {
        api: {
          driver: {
            type: 'kubernetes',
            kubeconfig: './kubeconfig',
            namespace: NS,
            deployment: 'api',
            image: 'shop/api',
          },
          strategy: 'rolling',
          analysis: { duration: '0s' },
          health: { readyTimeout: '30s' },
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

  it('snapshots the ConfigMap per release and restores it with the release on undo', async () => {
    expect(
      (await controller.api.deploy({ service: 'api', version: 'v2', watch: true, actor: actor('ci') })).outcome,
    ).toBe('promoted');
    expect(await greeting('api-config.rewind-r2')).toBe('hello');
    await cluster.kubectl([
      'patch',
      'configmap',
      'api-config',
      '-n',
      NS,
      '--type',
      'merge',
      '-p',
      '{"data":{"GREETING":"bonjour"}}',
    ]);
    expect(
      (await controller.api.deploy({ service: 'api', version: 'v3', watch: true, actor: actor('ci') })).outcome,
    ).toBe('promoted');
    expect(await greeting('api-config.rewind-r3')).toBe('bonjour');

    const undone = await controller.api.undo({ service: 'api', wait: true, actor: actor('alice') });
    expect(undone.rollback?.status).toBe('succeeded');
    expect(undone.to).toEqual({ revision: 2, version: 'v2' });
    expect(undone.rollback?.steps[0]?.output).toContain('configmap shop/api-config restored from revision 2');
    expect(await greeting()).toBe('hello');
    expect(await imageOf(cluster, NS, 'api')).toBe('shop/api:v2');
    await cluster.kubectl(['rollout', 'status', 'deployment/api', '-n', NS, '--timeout=30s']);
  }, 120_000);

  it('switches a flag off in the container env and the pods roll', async () => {
    const driver = controller.ctx.driver('api');
    expect(driver.capabilities.flags).toBe(true);
    const before = await historyRevisions(cluster, NS, 'api');
    const output = await driver.setFlag?.('api', 'production', 'FEATURE_X', 'false');
    expect(output).toContain('FEATURE_X=false');
    const env = await cluster.json<{
      spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
    }>(['get', 'deployment', 'api', '-n', NS]);
    expect(env.spec.template.spec.containers[0]?.env).toEqual([{ name: 'FEATURE_X', value: 'false' }]);
    await cluster.kubectl(['rollout', 'status', 'deployment/api', '-n', NS, '--timeout=30s']);
    const after = await historyRevisions(cluster, NS, 'api');
    expect(Math.max(...after)).toBe(Math.max(...before) + 1);
    // a second call changes nothing
    expect(await driver.setFlag?.('api', 'production', 'FEATURE_X', 'false')).toContain('already');
  }, 60_000);
});
