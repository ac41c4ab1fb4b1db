import type { Chart } from './chart.js';
import { manifestObjects, mergeValues, render } from './chart.js';
import type { KubeClient } from './kube-client.js';
import { KubeCallError, collectionPath } from './kube-client.js';
import type { Release, ReleaseStorage } from './release-storage.js';

/** Options shared by upgrade and rollback. */
export interface ApplyOptions {
  /** wait until the release's Deployments are ready (`--wait`) */
  wait: boolean;
  /** how long `--wait` waits, in ms (`--timeout`, default 5m) */
  timeoutMs: number;
  /** revisions kept per release (`--history-max`, default 10; 0 = all) */
  maxHistory: number;
}

const stamp = () => new Date().toISOString();

/** Creates or patches every object of a manifest, with the labels and annotations Helm adds for ownership. */
async function applyManifest(kube: KubeClient, release: Release): Promise<Record<string, unknown>[]> {
  const objects = manifestObjects(release.manifest);
  for (const obj of objects) {
    const meta = (obj.metadata ??= {}) as {
      name: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    meta.labels = { ...meta.labels, 'app.kubernetes.io/managed-by': 'Helm' };
    meta.annotations = {
      ...meta.annotations,
      'meta.helm.sh/release-name': release.name,
      'meta.helm.sh/release-namespace': release.namespace,
    };
    const base = collectionPath(String(obj.apiVersion), String(obj.kind), release.namespace);
    const existing = await kube.getOrUndefined(`${base}/${meta.name}`);
    if (!existing) await kube.call('POST', base, obj);
    else {
      // Built-in kinds take a strategic merge patch; custom resources only a JSON merge patch.
      const group = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/')[0]! : '';
      const builtin = group === '' || group === 'apps' || (group.endsWith('.k8s.io') && !group.startsWith('gateway.'));
      const type = builtin ? 'application/strategic-merge-patch+json' : 'application/merge-patch+json';
      await kube.call('PATCH', `${base}/${meta.name}`, obj, type);
    }
  }
  return objects;
}

interface Deployment {
  metadata: { name: string; generation: number; annotations?: Record<string, string>; uid: string };
  spec: { replicas: number; strategy?: { rollingUpdate?: { maxUnavailable?: number | string } } };
  status?: { observedGeneration?: number };
}

/** Helm's ReadyChecker for a Deployment: observed generation, and the new ReplicaSet's ready pods ≥ replicas − maxUnavailable. */
async function deploymentReady(kube: KubeClient, namespace: string, name: string): Promise<boolean> {
  const d = await kube.call<Deployment>('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  if ((d.status?.observedGeneration ?? 0) !== d.metadata.generation) return false;
  const revision = d.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const list = await kube.call<{
    items: {
      metadata: { annotations?: Record<string, string>; ownerReferences?: { uid: string }[] };
      status?: { readyReplicas?: number };
    }[];
  }>('GET', `/apis/apps/v1/namespaces/${namespace}/replicasets`);
  const newRS = list.items.find(
    (rs) =>
      rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid) &&
      rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision,
  );
  if (!newRS) return false;
  const mu = d.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  const maxUnavailable =
    typeof mu === 'number' ? mu : Math.floor((Number(String(mu).replace('%', '')) * d.spec.replicas) / 100);
  return (newRS.status?.readyReplicas ?? 0) >= d.spec.replicas - maxUnavailable;
}

async function waitReady(
  kube: KubeClient,
  release: Release,
  objects: Record<string, unknown>[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const names = objects.filter((o) => o.kind === 'Deployment').map((o) => (o.metadata as { name: string }).name);
  for (;;) {
    const ready = await Promise.all(names.map((n) => deploymentReady(kube, release.namespace, n)));
    if (ready.every(Boolean)) return;
    if (Date.now() >= deadline) throw new Error('context deadline exceeded');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `helm upgrade --install`: a new revision stored as pending, applied, waited
 * for; on success it is deployed and every earlier deployed revision
 * superseded; on failure it is marked failed with Helm's description and the
 * previous release stays deployed.
 */
export async function upgrade(
  kube: KubeClient,
  storage: ReleaseStorage,
  name: string,
  namespace: string,
  chart: Chart,
  config: Record<string, unknown>,
  options: ApplyOptions,
): Promise<Release> {
  const history = await storage.history(name);
  const last = history.at(-1);
  if (last && last.info.status.startsWith('pending-'))
    throw new Error('another operation (install/upgrade/rollback) is in progress');
  const installing = history.length === 0;
  const version = (last?.version ?? 0) + 1;
  const values = mergeValues(chart.values, config);
  const now = stamp();
  const release: Release = {
    name,
    namespace,
    version,
    info: {
      first_deployed: history[0]?.info.first_deployed ?? now,
      last_deployed: now,
      deleted: '',
      description: 'Preparing upgrade',
      status: installing ? 'pending-install' : 'pending-upgrade',
    },
    chart: { metadata: chart.metadata, values: chart.values },
    config,
    manifest: render(chart, values, { name, namespace, revision: version }),
  };
  await storage.create(release, installing ? 0 : options.maxHistory);
  try {
    const objects = await applyManifest(kube, release);
    if (options.wait) await waitReady(kube, release, objects, options.timeoutMs);
  } catch (error) {
    const message = error instanceof KubeCallError ? error.message : (error as Error).message;
    release.info.status = 'failed';
    release.info.description = installing
      ? `Release "${name}" failed: ${message}`
      : `Upgrade "${name}" failed: ${message}`;
    await storage.update(release);
    throw new Error(`${installing ? 'INSTALLATION' : 'UPGRADE'} FAILED: ${message}`);
  }
  for (const r of history.filter((r) => r.info.status === 'deployed')) {
    r.info.status = 'superseded';
    await storage.update(r);
  }
  release.info.status = 'deployed';
  release.info.description = installing ? 'Install complete' : 'Upgrade complete';
  await storage.update(release);
  return release;
}

/**
 * `helm rollback <release> [revision]`: a new revision carrying the target's
 * chart, values and manifest, described "Rollback to N"; the current and
 * every deployed revision become superseded.
 */
export async function rollback(
  kube: KubeClient,
  storage: ReleaseStorage,
  name: string,
  to: number,
  options: ApplyOptions,
): Promise<Release> {
  const history = await storage.history(name);
  const current = history.at(-1);
  if (!current) throw new Error(`release: not found`);
  const targetVersion = to > 0 ? to : current.version - 1;
  const target = history.find((r) => r.version === targetVersion);
  if (!target) throw new Error(`release has no ${targetVersion} version`);
  const now = stamp();
  const release: Release = {
    ...structuredClone(target),
    version: current.version + 1,
    info: {
      first_deployed: current.info.first_deployed,
      last_deployed: now,
      deleted: '',
      description: `Rollback to ${targetVersion}`,
      status: 'pending-rollback',
    },
  };
  await storage.create(release, options.maxHistory);
  try {
    const objects = await applyManifest(kube, release);
    if (options.wait) await waitReady(kube, release, objects, options.timeoutMs);
  } catch (error) {
    release.info.status = 'failed';
    release.info.description = `Release "${name}" failed: ${(error as Error).message}`;
    await storage.update(release);
    throw new Error(`release ${name} failed: ${(error as Error).message}`);
  }
  for (const r of history.filter((r) => r.version === current.version || r.info.status === 'deployed')) {
    r.info.status = 'superseded';
    await storage.update(r);
  }
  release.info.status = 'deployed';
  await storage.update(release);
  return release;
}
