/**
 * The helm driver against the SIMULATED helm (bin/sim/helm, Helm 3 release Secrets
 * kept in the SIMULATED API server): revisions are Helm revisions, a failed upgrade
 * is rolled back with `helm rollback`, and `rewind undo --to-revision` is a Helm
 * rollback to that revision. Every result here is simulated.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { actor, startTestController, tempDir, writeConfig } from '../monitor/harness.js';
import type { SimCluster } from './harness.js';
import { skipKube, startSimCluster } from './harness.js';

const HELM_DIR = resolve(import.meta.dirname, '../../bin/sim');
let cluster: SimCluster;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;
const originalPath = process.env.PATH;

interface Row {
  revision: number;
  status: string;
  description: string;
}

const helmHistory = (): Promise<Row[]> =>
  new Promise((done, fail) => {
    const child = spawn('helm', ['history', 'shop', '-o', 'json', '--kubeconfig', cluster.kubeconfig], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', fail);
    child.on('close', () => done(JSON.parse(out) as Row[]));
  });

const image = async (): Promise<string> => {
  const res = await fetch(`${cluster.sim.url}/apis/apps/v1/namespaces/default/deployments/shop`);
  const d = (await res.json()) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  return d.spec.template.spec.containers[0]?.image ?? '';
};

describe.skipIf(skipKube)('helm driver (simulated helm, simulated API server)', () => {
  beforeAll(async () => {
    temp = tempDir('kube-helm');
    cluster = await startSimCluster(temp.dir);
    // the simulated helm first on PATH, for this process and the helm it spawns
    process.env.PATH = `${HELM_DIR}:${originalPath ?? ''}`;
    const file = writeConfig(temp.dir, {
      environments: { production: {} },
      services: {
        shop: {
          driver: {
            type: 'helm',
            release: 'shop',
            chart: 'builtin/app',
            kubeconfig: './kubeconfig',
            set: { 'image.repository': 'shop/app' },
            timeout: '6s',
          },
          strategy: 'rolling',
          analysis: { duration: '0s' },
          health: { readyTimeout: '20s' },
          postRollback: { watch: '0s', tighten: 0.5 },
        },
      },
    });
    controller = await startTestController(file);
  }, 60_000);

  afterAll(async () => {
    process.env.PATH = originalPath;
    await controller?.close();
    await cluster?.close();
    temp?.remove();
  });

  it('deploys as Helm revisions, rolls a failed upgrade back, and undoes to a revision with helm rollback', async () => {
    for (const [version, revision] of [
      ['v1', 1],
      ['v2', 2],
    ] as const) {
      const result = await controller.api.deploy({ service: 'shop', version, watch: true, actor: actor('ci') });
      expect(result).toMatchObject({ outcome: 'promoted', release: { revision } });
    }
    expect(await image()).toBe('shop/app:v2');

    const bad = await controller.api.deploy({ service: 'shop', version: 'crash1', watch: true, actor: actor('ci') });
    expect(bad).toMatchObject({ outcome: 'failed', release: { revision: 3 } });
    expect(await image()).toBe('shop/app:v2');
    const afterFailure = await helmHistory();
    expect(afterFailure.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      // Helm's rollback supersedes the release it replaces, failed or not
      [3, 'superseded'],
      [4, 'deployed'],
    ]);
    expect(afterFailure[2]?.description).toMatch(/^Upgrade "shop" failed/);
    expect(afterFailure[3]?.description).toBe('Rollback to 2');
    const status = await controller.api.status('shop');
    expect(status.live).toMatchObject({ revision: 2, version: 'v2', status: 'live' });

    const undone = await controller.api.undo({ service: 'shop', toRevision: 1, wait: true, actor: actor('alice') });
    expect(undone.rollback?.status).toBe('succeeded');
    expect(undone.rollback?.steps.map((s) => s.name)).toEqual(['native-undo']);
    expect(await image()).toBe('shop/app:v1');
    const after = await helmHistory();
    expect(after.at(-1)).toMatchObject({ revision: 5, status: 'deployed', description: 'Rollback to 1' });
    const history = await controller.api.history('shop');
    expect(history.map((r) => [r.revision, r.status])).toEqual([
      [3, 'failed'],
      [2, 'rolled-back'],
      [1, 'live'],
    ]);
  }, 120_000);
});
