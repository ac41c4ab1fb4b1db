/**
 * ConfigMaps travel with the release that read them (runbook: "roll the config back
 * with the code"). When a release starts, every ConfigMap its pod template refers
 * to is copied to `<name>.rewind-r<revision>` in the same namespace, the way Helm
 * keeps its releases in the cluster, and the pod template carries a hash of their
 * data so a config change alone rolls the pods. Undoing to a revision puts its
 * copies back before the template is re-applied.
 */
import { createHash } from 'node:crypto';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';

export const CONFIG_HASH = 'rewind.dev/config-hash';
const SNAPSHOT_OF = 'rewind.dev/snapshot-of';

/** Names of the ConfigMaps a pod template reads (env, envFrom, volumes). */
export function configMapsOf(template: V1PodTemplateSpec | undefined): string[] {
  const names = new Set<string>();
  const spec = template?.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const from of c.envFrom ?? []) if (from.configMapRef?.name) names.add(from.configMapRef.name);
    for (const env of c.env ?? [])
      if (env.valueFrom?.configMapKeyRef?.name) names.add(env.valueFrom.configMapKeyRef.name);
  }
  for (const v of spec?.volumes ?? []) if (v.configMap?.name) names.add(v.configMap.name);
  return [...names].sort();
}

export const snapshotName = (name: string, revision: number): string => `${name}.rewind-r${revision}`;

/** Copies the template's ConfigMaps for `revision`; returns the hash of their data, or null when it reads none. */
export async function snapshotConfig(
  client: KubeClient,
  namespace: string,
  template: V1PodTemplateSpec | undefined,
  revision: number,
): Promise<{ hash: string; names: string[] } | null> {
  const names = configMapsOf(template);
  if (names.length === 0) return null;
  const hash = createHash('sha256');
  for (const name of names) {
    const live = await client.readConfigMap(namespace, name);
    if (!live) continue;
    hash.update(`${name}\0${JSON.stringify(live.data ?? {})}\0${JSON.stringify(live.binaryData ?? {})}\0`);
    await client.putConfigMap(namespace, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: snapshotName(name, revision),
        labels: { [SNAPSHOT_OF]: name, 'rewind.dev/revision': String(revision) },
      },
      data: live.data ?? {},
      ...(live.binaryData ? { binaryData: live.binaryData } : {}),
    });
  }
  return { hash: hash.digest('hex').slice(0, 16), names };
}

/** Puts the copies of `revision` back over the live ConfigMaps; returns one line per restored ConfigMap. */
export async function restoreConfig(
  client: KubeClient,
  namespace: string,
  template: V1PodTemplateSpec | undefined,
  revision: number,
): Promise<string[]> {
  const lines: string[] = [];
  for (const name of configMapsOf(template)) {
    const copy = await client.readConfigMap(namespace, snapshotName(name, revision));
    if (!copy) continue;
    await client.putConfigMap(namespace, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: copy.data ?? {},
      ...(copy.binaryData ? { binaryData: copy.binaryData } : {}),
    });
    lines.push(`configmap ${namespace}/${name} restored from revision ${revision}`);
  }
  return lines;
}
