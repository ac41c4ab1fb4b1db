/**
 * deploy/kubernetes/ applied with the real kubectl to the simulated API
 * server, then read back: what runs Rewind itself in a cluster.
 */
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from './kubectl.js';
import { haveKubectl, startCluster, until } from './kubectl.js';

const DIR = resolve(import.meta.dirname, '../../deploy/kubernetes');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe.runIf(haveKubectl())('deploy/kubernetes on the simulated API server (simulated)', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startCluster();
    // The managed application's namespace exists before Rewind is installed.
    await c.ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('kubectl apply -f creates every object', async () => {
    const out = await c.ok(['apply', '-f', DIR]);
    expect(out.trim().split('\n')).toEqual([
      'namespace/rewind created',
      'serviceaccount/rewind created',
      'role.rbac.authorization.k8s.io/rewind created',
      'rolebinding.rbac.authorization.k8s.io/rewind created',
      'configmap/rewind-config created',
      'secret/rewind-store created',
      'deployment.apps/rewind-controller created',
      'service/rewind created',
    ]);
    // stringData is write-only: the live Secret never shows it, so kubectl's three-way diff
    // always sends it again and says "configured" (as against a real cluster).
    const again = (await c.ok(['apply', '-f', DIR])).trim().split('\n');
    expect(again.filter((l) => !l.endsWith(' unchanged'))).toEqual(['secret/rewind-store configured']);
  });

  it('the Role grants only the verbs Rewind uses, bound to its ServiceAccount', async () => {
    const role = await c.json<{ rules: Rule[] }>(['get', 'role', 'rewind', '-n', 'shop']);
    const verbs = (group: string, resource: string) =>
      role.rules.find((r) => r.apiGroups.includes(group) && r.resources.includes(resource))?.verbs ?? [];
    expect(verbs('apps', 'deployments')).toEqual(['get', 'list', 'watch', 'patch']);
    expect(verbs('apps', 'replicasets')).toEqual(['get', 'list', 'watch']);
    expect(verbs('', 'pods')).toEqual(['get', 'list', 'delete']);
    expect(verbs('', 'services')).toEqual(['get', 'patch']);
    expect(verbs('', 'configmaps')).toEqual(['get', 'create', 'patch']);
    expect(verbs('', 'secrets')).toEqual(['get', 'list', 'create', 'update', 'delete']);
    expect(verbs('networking.istio.io', 'virtualservices')).toEqual(['get', 'patch']);
    expect(verbs('gateway.networking.k8s.io', 'httproutes')).toEqual(['get', 'patch']);
    expect(role.rules.flatMap((r) => r.resources)).not.toContain('*');
    expect(role.rules.flatMap((r) => r.verbs)).not.toContain('*');
    const binding = await c.json<{ roleRef: { kind: string; name: string }; subjects: Record<string, string>[] }>([
      'get',
      'rolebinding',
      'rewind',
      '-n',
      'shop',
    ]);
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'rewind' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rewind', namespace: 'rewind' }]);
  });

  it('two controller replicas run with the PostgreSQL store URL from the Secret, behind the Service', async () => {
    const out = await c.ok(['rollout', 'status', 'deployment/rewind-controller', '-n', 'rewind', '--timeout=60s']);
    expect(out.trim().split('\n').at(-1)).toBe('deployment "rewind-controller" successfully rolled out');
    const d = await c.json<{
      spec: {
        replicas: number;
        template: {
          spec: {
            serviceAccountName: string;
            containers: { args: string[]; env: { name: string; valueFrom: unknown }[] }[];
          };
        };
      };
      status: { readyReplicas: number };
    }>(['get', 'deployment', 'rewind-controller', '-n', 'rewind']);
    expect(d.spec.replicas).toBe(2);
    expect(d.status.readyReplicas).toBe(2);
    expect(d.spec.template.spec.serviceAccountName).toBe('rewind');
    const container = d.spec.template.spec.containers[0]!;
    expect(container.args).toEqual(['serve', '-c', '/etc/rewind/rewind.yaml']);
    expect(container.env).toContainEqual({
      name: 'REWIND_STORE_URL',
      valueFrom: { secretKeyRef: { name: 'rewind-store', key: 'url' } },
    });
    const cm = await c.json<{ data: { 'rewind.yaml': string } }>(['get', 'configmap', 'rewind-config', '-n', 'rewind']);
    const config = parse(cm.data['rewind.yaml']) as {
      controller: { listen: string; store: { type: string; url: string } };
    };
    expect(config.controller.store).toEqual({ type: 'postgres', url: '${REWIND_STORE_URL}' });
    expect(config.controller.listen).toBe('0.0.0.0:7070');
    const secret = await c.json<{ data: { url: string } }>(['get', 'secret', 'rewind-store', '-n', 'rewind']);
    expect(Buffer.from(secret.data.url, 'base64').toString()).toMatch(/^postgres:\/\//);
    const ep = await until('two endpoints', async () => {
      const e = await c.json<{ subsets?: { addresses?: unknown[]; ports: { name: string; port: number }[] }[] }>([
        'get',
        'endpoints',
        'rewind',
        '-n',
        'rewind',
      ]);
      return e.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
    });
    // The Service's named targetPort resolves to the container's port.
    expect(ep.subsets?.[0]?.ports).toEqual([{ name: 'http', port: 7070, protocol: 'TCP' }]);
  });
});
