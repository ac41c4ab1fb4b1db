/**
 * The simulated API server against the real kubectl. Every expected output
 * below is written from the Kubernetes documentation and kubectl's source
 * (kubectl/pkg/cmd/rollout, kubectl/pkg/polymorphichelpers/{history,rollback,
 * rollout_status}.go, the Deployment controller in pkg/controller/deployment),
 * not read back from the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from './kubectl.js';
import { deploymentYaml, haveKubectl, rows, startCluster } from './kubectl.js';

interface Obj {
  metadata: {
    name: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    resourceVersion?: string;
  };
  spec: Record<string, unknown> & { replicas?: number; selector?: Record<string, string> };
  status?: Record<string, unknown>;
}
interface List {
  items: Obj[];
}

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
`;

const HASH = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

describe.runIf(haveKubectl())('kubectl rollouts against the simulated API server (simulated)', () => {
  let c: SimCluster;
  const image = async () =>
    (await c.ok(['get', 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim();
  const rolledOut = async () => {
    const out = await c.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(out.trim().split('\n').at(-1)).toBe('deployment "web" successfully rolled out');
  };

  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('apply -f creates, then reports unchanged and configured', async () => {
    expect(await c.ok(['apply', '-f', '-'], `${deploymentYaml('web', 'shop/web:v1')}---\n${SERVICE}`)).toBe(
      'deployment.apps/web created\nservice/web created\n',
    );
    expect(await c.ok(['apply', '-f', '-'], deploymentYaml('web', 'shop/web:v1'))).toBe(
      'deployment.apps/web unchanged\n',
    );
    await rolledOut();
  });

  it('get -o json shows the API server defaults, the first ReplicaSet and a complete status', async () => {
    const d = await c.json<Obj>(['get', 'deployment', 'web']);
    expect(d.metadata.generation).toBe(1);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('"shop/web:v1"');
    expect(d.spec).toMatchObject({
      replicas: 2,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        spec: {
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'web',
              image: 'shop/web:v1',
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
            },
          ],
        },
      },
    });
    const rs = (await c.json<List>(['get', 'rs', '-l', 'app=web'])).items;
    expect(rs).toHaveLength(1);
    const hash = rs[0]!.metadata.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(HASH);
    expect(rs[0]!.metadata.name).toBe(`web-${hash}`);
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    const conditions = d.status?.conditions as { type: string; status: string; reason: string; message: string }[];
    expect(conditions.find((x) => x.type === 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    });
    expect(conditions.find((x) => x.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "web-${hash}" has successfully progressed.`,
    });
    const pods = (await c.json<List>(['get', 'pods', '-l', `app=web,pod-template-hash=${hash}`])).items;
    expect(
      pods
        .map((p) => p.metadata.name)
        .every((n) => new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`).test(n)),
    ).toBe(true);
    const svc = await c.json<Obj>(['get', 'service', 'web']);
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
    });
    expect(svc.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const ep = await c.json<{ subsets: { addresses: unknown[]; ports: { port: number }[] }[] }>([
      'get',
      'endpoints',
      'web',
    ]);
    expect(ep.subsets[0]?.addresses).toHaveLength(2);
    expect(ep.subsets[0]?.ports[0]?.port).toBe(8080);
  });

  it('set image rolls out revision 2; rollout history lists the revisions and change-causes', async () => {
    expect(await c.ok(['set', 'image', 'deployment/web', 'web=shop/web:v2'])).toBe(
      'deployment.apps/web image updated\n',
    );
    await rolledOut();
    // As the documentation does it: annotate after the change; the controller copies the
    // Deployment's annotations onto its current (new) ReplicaSet, so annotating first would
    // also relabel revision 2.
    await c.ok(['set', 'image', 'deployment/web', 'web=shop/web:v3']);
    await c.ok(['annotate', 'deployment/web', 'kubernetes.io/change-cause=deploy v3']);
    await rolledOut();
    const history = rows(await c.ok(['rollout', 'history', 'deployment/web']));
    expect(history).toEqual([
      ['deployment.apps/web'],
      ['REVISION', 'CHANGE-CAUSE'],
      ['1', '<none>'],
      ['2', '<none>'],
      ['3', 'deploy v3'],
    ]);
    const d = await c.json<Obj>(['get', 'deployment', 'web']);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
  });

  it('rollout undo --to-revision re-uses the old ReplicaSet, which takes the next revision number', async () => {
    const before = (await c.json<List>(['get', 'rs', '-l', 'app=web'])).items;
    const first = before.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
    expect(await c.ok(['rollout', 'undo', 'deployment/web', '--to-revision=1'])).toBe(
      'deployment.apps/web rolled back\n',
    );
    await rolledOut();
    expect(await image()).toBe('shop/web:v1');
    const after = (await c.json<List>(['get', 'rs', '-l', 'app=web'])).items;
    expect(after).toHaveLength(3);
    const reused = after.find((r) => r.metadata.name === first.metadata.name)!;
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('4');
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(reused.spec.replicas).toBe(2);
    // Undo copies the target ReplicaSet's annotations onto the Deployment: revision 1 had no change-cause.
    expect(rows(await c.ok(['rollout', 'history', 'deployment/web']))).toEqual([
      ['deployment.apps/web'],
      ['REVISION', 'CHANGE-CAUSE'],
      ['2', '<none>'],
      ['3', 'deploy v3'],
      ['4', '<none>'],
    ]);
    const skipped = await c.ok(['rollout', 'undo', 'deployment/web', '--to-revision=4']);
    expect(skipped).toBe('deployment.apps/web skipped rollback (current template already matches revision 4)\n');
    const missing = await c.kubectl(['rollout', 'undo', 'deployment/web', '--to-revision=99']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('unable to find specified revision 99 in history');
    expect(await c.ok(['rollout', 'undo', 'deployment/web'])).toBe('deployment.apps/web rolled back\n');
    await rolledOut();
    expect(await image()).toBe('shop/web:v3');
  });

  it('scale goes through the scale subresource', async () => {
    expect(await c.ok(['scale', 'deployment/web', '--replicas=3'])).toBe('deployment.apps/web scaled\n');
    await rolledOut();
    const d = await c.json<Obj>(['get', 'deployment', 'web']);
    expect(d.spec.replicas).toBe(3);
    expect(d.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    // kubectl checks --resource-version itself against the Scale it reads (ScalePrecondition).
    const stale = await c.kubectl(['scale', 'deployment/web', '--replicas=2', '--resource-version=1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^error: Expected resource version to be 1, was \d+\n$/);
  });

  it('set env adds and removes variables by name (strategic merge patch)', async () => {
    expect(await c.ok(['set', 'env', 'deployment/web', 'FEATURE_X=false', 'MODE=a'])).toBe(
      'deployment.apps/web env updated\n',
    );
    expect(await c.ok(['set', 'env', 'deployment/web', 'MODE-'])).toBe('deployment.apps/web env updated\n');
    expect(await c.ok(['set', 'env', 'deployment/web', '--list'])).toBe(
      '# Deployment web, container web\nFEATURE_X=false\n',
    );
    await rolledOut();
  });
});
