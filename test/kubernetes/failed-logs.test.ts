/**
 * The failed release's logs from the SIMULATED Kubernetes API server: a
 * crash-looping image is rolled back natively, and the incident report holds
 * the previous container's lines of each pod (what `kubectl logs --previous`
 * shows, checked with Debian's real kubectl against the same simulator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { actor, startTestController, tempDir, waitFor, writeConfig } from '../monitor/harness.js';
import type { SimCluster } from './harness.js';
import { applyAll, deploymentManifest, namespaceManifest, skipKube, startSimCluster } from './harness.js';

const NS = 'shop';
let cluster: SimCluster;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;

describe.skipIf(skipKube)('the failed release’s logs on kubernetes (simulated API server)', () => {
  beforeAll(async () => {
    temp = tempDir('kube-logs');
    cluster = await startSimCluster(temp.dir);
    await applyAll(cluster, [namespaceManifest(NS), deploymentManifest('api', NS, 'shop/api:v1', 2, { app: 'api' })]);
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
            container: 'api',
            image: 'shop/api',
          },
          strategy: 'rolling',
          analysis: { duration: '8s' },
          health: { readyTimeout: '30s' },
          postRollback: { watch: '1s' },
          triggers: [{ name: 'crashing', metric: 'restarts', above: 0, severity: 'critical' }],
          rollback: { logs: { before: 20, after: 5 } },
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

  it('a crash-looping pod: the report holds its previous container’s lines, as kubectl logs --previous shows them', async () => {
    const bad = await controller.api.deploy({ service: 'api', version: 'crash3', watch: true, actor: actor('ci') });
    expect(bad.outcome).toBe('rolled-back');
    const rollback = await waitFor('the rollback to finish', async () => {
      const r = await controller.api.rollback(bad.rollbackId as string);
      return r.status === 'succeeded' ? r : null;
    });
    expect(rollback.steps.map((s) => s.name)).toContain('native-undo');

    const report = await controller.api.report(rollback.id);
    expect(report.logsNotCollected).toBeNull();
    const previous = report.logs.filter((l) => l.instance.endsWith('/api (previous)'));
    expect(previous.length).toBeGreaterThanOrEqual(1);
    for (const log of previous) {
      expect(log.release).toBe('crash3');
      const pod = log.instance.split('/')[0] as string;
      expect(log.lines).toEqual([
        expect.stringMatching(/^container api started \(image shop\/api:crash3, run \d+\)$/),
        `Error: simulated crash of shop/api:crash3 in pod ${pod}`,
        '    at main (/app/main.js:12:11)',
        '    at start (/app/start.js:4:3)',
        'fatal: exiting with code 1',
      ]);
      expect(log.firstFailure).toBe(1);
      // what a person sees with the real kubectl, against the same simulated server
      const byHand = await cluster.kubectl(['logs', pod, '-n', NS, '--previous']).catch((e: Error) => e.message);
      // the pod may be gone by now (the undo replaced it); when it still answers, it says the same
      if (!byHand.includes('NotFound') && !byHand.includes('not found')) expect(byHand).toContain(log.lines[1]);
    }
  }, 90_000);

  it('kubectl logs against the simulator: --previous of a crash-looping pod, and the refusal without a previous run', async () => {
    await applyAll(cluster, [deploymentManifest('loop', NS, 'shop/api:crash1', 1, { app: 'loop' })]);
    const pod = await waitFor('a restart of the loop pod', async () => {
      const list = await cluster.json<{
        items: { metadata: { name: string }; status?: { containerStatuses?: { restartCount: number }[] } }[];
      }>(['get', 'pods', '-n', NS, '-l', 'app=loop']);
      const found = list.items.find((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
      return found?.metadata.name ?? null;
    });
    const text = await cluster.kubectl(['logs', pod, '-n', NS, '--previous', '--tail=2']);
    expect(text).toBe(`    at start (/app/start.js:4:3)\nfatal: exiting with code 1\n`);
    const healthy = (
      await cluster.json<{ items: { metadata: { name: string } }[] }>(['get', 'pods', '-n', NS, '-l', 'app=api'])
    ).items[0]?.metadata.name as string;
    const refused = await cluster.kubectl(['logs', healthy, '-n', NS, '--previous']).catch((e: Error) => e.message);
    expect(refused).toContain(`previous terminated container "api" in pod "${healthy}" not found`);
  }, 60_000);
});
