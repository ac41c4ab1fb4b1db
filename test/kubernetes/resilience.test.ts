/**
 * The kubernetes driver under a misbehaving API server and a dying controller, on
 * the SIMULATED API server: 409 Conflicts and dropped watches (a real proxy in front
 * of the simulator injects them) are retried; a `rewind serve` SIGKILLed in the
 * middle of an undo's rollout resumes the step and converges on the target, with
 * exactly one new ReplicaSet revision (the resumed step finds the template applied).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigFor } from '../../src/sim/kubernetes/index.js';
import type { RollbackDetail } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { actor, startTestController, writeConfig } from '../monitor/harness.js';
import type { FlakyProxy } from './flaky-proxy.js';
import { startFlakyProxy } from './flaky-proxy.js';
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
let project: Project;
let cluster: SimCluster;
let proxy: FlakyProxy;
const serves: Serve[] = [];

/** A Deployment that rolls one pod at a time, so a rollout of 4 replicas takes a few seconds. */
function slowDeployment(name: string): Record<string, unknown> {
  const manifest = deploymentManifest(name, NS, 'shop/api:v1', 4, { app: name }) as {
    spec: Record<string, unknown>;
  };
  manifest.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  return manifest;
}

const service = (deployment: string, kubeconfig: string) => ({
  driver: { type: 'kubernetes', kubeconfig, namespace: NS, deployment, container: deployment, image: 'shop/api' },
  strategy: 'rolling',
  analysis: { duration: '0s' },
  health: { readyTimeout: '60s' },
  postRollback: { watch: '0s', tighten: 0.5 },
});

describe.skipIf(skipKube)('kubernetes driver resilience (simulated API server)', () => {
  beforeAll(async () => {
    project = tempProject('rewind-kube-resilience-');
    cluster = await startSimCluster(project.dir);
    await applyAll(cluster, [namespaceManifest(NS), slowDeployment('flaky'), slowDeployment('api')]);
    proxy = await startFlakyProxy(cluster.sim.url);
    writeFileSync(join(project.dir, 'flaky-kubeconfig'), kubeconfigFor(proxy.url, NS));
  }, 60_000);

  afterAll(async () => {
    for (const s of serves) await s.kill('SIGKILL');
    await proxy?.close();
    await cluster?.close();
    project?.cleanup();
  });

  it('retries 409 Conflicts and re-reads after dropped watches: deploy and undo still converge', async () => {
    const file = writeConfig(
      project.dir,
      {
        environments: { production: {} },
        services: { flaky: service('flaky', './flaky-kubeconfig') },
      },
      'flaky.yaml',
    );
    const controller = await startTestController(file);
    try {
      const v2 = await controller.api.deploy({ service: 'flaky', version: 'v2', watch: true, actor: actor('ci') });
      expect(v2.outcome).toBe('promoted');
      const undone = await controller.api.undo({ service: 'flaky', wait: true, actor: actor('ci') });
      expect(undone.rollback?.status).toBe('succeeded');
    } finally {
      await controller.close();
    }
    expect(proxy.conflictsSent).toBeGreaterThanOrEqual(2);
    expect(proxy.watchesDropped).toBeGreaterThanOrEqual(1);
    expect(await imageOf(cluster, NS, 'flaky')).toBe('shop/api:v1');
    expect(await historyRevisions(cluster, NS, 'flaky')).toEqual([2, 3]);
  }, 120_000);

  it('a controller SIGKILLed mid-rollout resumes the undo and converges on the target', async () => {
    project.write(
      'rewind.yaml',
      JSON.stringify({
        version: 1,
        controller: { stateDir: join(project.dir, 'state') },
        environments: { production: {} },
        services: { api: service('api', './kubeconfig') },
      }),
    );
    const deployed = await runCli(['deploy', 'api', 'v2', '--json', '--controller', 'http://127.0.0.1:9'], {
      cwd: project.dir,
    });
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ outcome: 'promoted', release: { revision: 2 } });

    const port = await freePort();
    const first = await startServe(project, port);
    serves.push(first);
    const started = await apiFetch(
      `${first.url}/v1/undo`,
      { method: 'POST', json: { service: 'api', reason: 'kill test' } },
      { dir: project.dir, stateDir: join(project.dir, 'state') },
    );
    expect(started.status).toBe(202);
    const { rollback } = (await started.json()) as { rollback: RollbackDetail };
    expect(rollback.steps.map((s) => s.name)).toEqual(['native-undo']);
    const read = async (url: string) =>
      (await (
        await apiFetch(
          `${url}/v1/rollbacks/${rollback.id}`,
          {},
          { dir: project.dir, stateDir: join(project.dir, 'state') },
        )
      ).json()) as RollbackDetail;
    await waitFor('the undo to be rolling out', async () => (await read(first.url)).steps[0]?.status === 'running');
    await waitFor('the new template to be applied', async () => (await imageOf(cluster, NS, 'api')) === 'shop/api:v1');
    await first.kill('SIGKILL');

    const second = await startServe(project, port);
    serves.push(second);
    const done = await waitFor(
      'the resumed undo to end',
      async () => {
        const detail = await read(second.url);
        return detail.status === 'succeeded' || detail.status === 'escalated' ? detail : null;
      },
      60_000,
    );
    expect(done.status).toBe('succeeded');
    expect(done.journal.map((j) => j.status)).toEqual(['interrupted', 'done']);
    expect(done.steps[0]?.output).toContain('skipped rollback');
    await cluster.kubectl(['rollout', 'status', 'deployment/api', '-n', NS, '--timeout=30s']);
    expect(await historyRevisions(cluster, NS, 'api')).toEqual([2, 3]);
    const replicaSets = await cluster.json<{ items: { spec: { replicas: number; template: unknown } }[] }>([
      'get',
      'replicasets',
      '-n',
      NS,
      '-l',
      'app=api',
    ]);
    expect(replicaSets.items.map((rs) => rs.spec.replicas).sort()).toEqual([0, 4]);
  }, 180_000);
});
