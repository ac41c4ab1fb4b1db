/**
 * The simulated API server against the real kubectl. Every expected output
 * below is written from the Kubernetes documentation and kubectl's source
 * (kubectl/pkg/cmd/rollout, kubectl/pkg/polymorphichelpers/{history,rollback,
 * rollout_status}.go, the Deployment controller in pkg/controller/deployment),
 * not read back from the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from './kubectl.js';
import { deploymentYaml, haveKubectl, rows, startCluster, until } from './kubectl.js';

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

describe.runIf(haveKubectl())('kubectl on objects of the simulated API server (simulated)', () => {
  let c: SimCluster;
  const rolledOut = async () => {
    const out = await c.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(out.trim().split('\n').at(-1)).toBe('deployment "web" successfully rolled out');
  };

  beforeAll(async () => {
    c = await startCluster();
    await c.ok(['apply', '-f', '-'], `${deploymentYaml('web', 'shop/web:v1')}---\n${SERVICE}`);
    await rolledOut();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('patch svc --type merge and --type json change the selector; a missing path is 422', async () => {
    expect(
      await c.ok(['patch', 'svc', 'web', '--type', 'merge', '-p', '{"spec":{"selector":{"color":"green"}}}']),
    ).toBe('service/web patched\n');
    expect((await c.json<Obj>(['get', 'svc', 'web'])).spec.selector).toEqual({ app: 'web', color: 'green' });
    const json = '[{"op":"replace","path":"/spec/selector/color","value":"blue"}]';
    expect(await c.ok(['patch', 'svc', 'web', '--type', 'json', '-p', json])).toBe('service/web patched\n');
    expect((await c.json<Obj>(['get', 'svc', 'web'])).spec.selector).toEqual({ app: 'web', color: 'blue' });
    expect(await c.ok(['patch', 'svc', 'web', '--type', 'merge', '-p', '{"spec":{"selector":{"color":"blue"}}}'])).toBe(
      'service/web patched (no change)\n',
    );
    const bad = await c.kubectl([
      'patch',
      'svc',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/nothere/x","value":1}]',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('The request is invalid');
    expect(bad.stderr).toContain(
      'replace operation does not apply: doc is missing path: /spec/nothere/x: missing value',
    );
    // No pod carries color=blue, so the Endpoints empty out.
    await until(
      'endpoints to empty',
      async () => !(await c.json<{ subsets?: unknown[] }>(['get', 'endpoints', 'web'])).subsets,
    );
  });

  it('errors read as the API server words them: NotFound, Conflict, Invalid', async () => {
    const missing = await c.kubectl(['get', 'deployment', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): deployments.apps "nope" not found');
    const d = await c.json<Obj>(['get', 'deployment', 'web']);
    await c.ok(['annotate', 'deployment/web', 'touched=yes']);
    const stale = await c.kubectl(['replace', '-f', '-'], JSON.stringify(d));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    );
    const bad = deploymentYaml('bad', 'shop/web:v1').replace(
      /(template:\n {4}metadata:\n {6}labels:\n {8})app: bad/,
      '$1app: other',
    );
    const invalid = await c.kubectl(['apply', '-f', '-'], bad);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(
      'The Deployment "bad" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    );
  });

  it('server-side dry runs change nothing; kubectl diff compares through one', async () => {
    expect(await c.ok(['delete', 'deployment', 'web', '--dry-run=server'])).toBe(
      'deployment.apps "web" deleted (server dry run)\n',
    );
    expect((await c.json<Obj>(['get', 'deployment', 'web'])).metadata.name).toBe('web');
    const changed = deploymentYaml('web', 'shop/web:v9');
    expect(await c.ok(['apply', '--dry-run=server', '-f', '-'], changed)).toBe(
      'deployment.apps/web configured (server dry run)\n',
    );
    const diff = await c.kubectl(['diff', '-f', '-'], changed);
    // kubectl diff exits 1 when there are differences.
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('+      - image: shop/web:v9');
    expect((await c.json<Obj>(['get', 'deployment', 'web'])).spec).toMatchObject({
      template: { spec: { containers: [{ image: 'shop/web:v1' }] } },
    });
  });

  it('a crash… image never becomes ready: CrashLoopBackOff, growing restarts, ProgressDeadlineExceeded', async () => {
    await c.ok(
      ['apply', '-f', '-'],
      deploymentYaml('crashy', 'shop/api:crash3', { replicas: 1, progressDeadlineSeconds: 3 }),
    );
    const status = await c.kubectl(['rollout', 'status', 'deployment/crashy', '--timeout=60s']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('error: deployment "crashy" exceeded its progress deadline');
    const d = await c.json<Obj>(['get', 'deployment', 'crashy']);
    const progressing = (d.status?.conditions as { type: string }[]).find((x) => x.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    const pod = await until('a restart', async () => {
      const p = (await c.json<List>(['get', 'pods', '-l', 'app=crashy'])).items[0];
      const cs = (
        p?.status?.containerStatuses as
          { restartCount: number; ready: boolean; state: { waiting?: { reason: string } } }[] | undefined
      )?.[0];
      return cs && cs.restartCount >= 1 ? cs : undefined;
    });
    expect(pod.ready).toBe(false);
    expect(pod.state.waiting?.reason).toBe('CrashLoopBackOff');
    // The pod table kubectl prints (columns of the API server's pod printer).
    const table = rows(await c.ok(['get', 'pods', '-l', 'app=crashy']));
    expect(table[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(table[1]?.slice(1, 3)).toEqual(['0/1', 'CrashLoopBackOff']);
    expect(table[1]?.[3]).toMatch(/^\d+ \(\d+s ago\)$/);
  });

  it('an unready… image runs but is never Ready, and sits in notReadyAddresses', async () => {
    await c.ok(
      ['apply', '-f', '-'],
      `${deploymentYaml('lazy', 'shop/api:unready1', { replicas: 1 })}---\n${SERVICE.replace(/web/g, 'lazy')}`,
    );
    const pod = await until('the pod to run', async () => {
      const p = (await c.json<List>(['get', 'pods', '-l', 'app=lazy'])).items[0];
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    const cs = (pod.status?.containerStatuses as { ready: boolean; state: Record<string, unknown> }[])[0]!;
    expect(cs.ready).toBe(false);
    expect(Object.keys(cs.state)).toEqual(['running']);
    const ep = await c.json<{ subsets: { addresses?: unknown[]; notReadyAddresses?: unknown[] }[] }>([
      'get',
      'endpoints',
      'lazy',
    ]);
    expect(ep.subsets[0]?.addresses).toBeUndefined();
    expect(ep.subsets[0]?.notReadyAddresses).toHaveLength(1);
  });

  it('delete pod --grace-period=0 --force removes it at once; the ReplicaSet replaces it', async () => {
    const [pod] = (await c.json<List>(['get', 'pods', '-l', 'app=lazy'])).items;
    const out = await c.kubectl(['delete', 'pod', pod!.metadata.name, '--grace-period=0', '--force']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`pod "${pod!.metadata.name}" force deleted\n`);
    const names = (await c.json<List>(['get', 'pods', '-l', 'app=lazy'])).items.map((p) => p.metadata.name);
    expect(names).not.toContain(pod!.metadata.name);
    await until(
      'a replacement pod',
      async () => (await c.json<List>(['get', 'pods', '-l', 'app=lazy'])).items.length === 1,
    );
  });

  it('stores an Istio VirtualService and a Gateway API HTTPRoute as given', async () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web, subset: stable}
      weight: 90
    - destination: {host: web, subset: canary}
      weight: 10
`;
    expect(await c.ok(['apply', '-f', '-'], vs)).toBe('virtualservice.networking.istio.io/web created\n');
    await c.ok([
      'patch',
      'virtualservice',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"replace","path":"/spec/http/0/route/1/weight","value":0}]',
    ]);
    const got = await c.json<Obj>(['get', 'virtualservices.v1beta1.networking.istio.io', 'web']);
    expect((got as unknown as { apiVersion: string }).apiVersion).toBe('networking.istio.io/v1beta1');
    expect(got.spec).toEqual({
      hosts: ['web'],
      http: [
        {
          route: [
            { destination: { host: 'web', subset: 'stable' }, weight: 90 },
            { destination: { host: 'web', subset: 'canary' }, weight: 0 },
          ],
        },
      ],
    });
    expect(got.metadata.generation).toBe(2);
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: web-stable, port: 80, weight: 100}]
`;
    expect(await c.ok(['apply', '-f', '-'], route)).toBe('httproute.gateway.networking.k8s.io/web created\n');
  });
});
