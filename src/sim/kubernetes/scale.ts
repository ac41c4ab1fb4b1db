import type { KubeApi, PatchType } from './api.js';
import { conflict } from './api-error.js';
import { jsonPatch, mergePatch } from './patch.js';
import type { ResourceType } from './resources.js';
import { selectorString } from './selectors.js';
import { strategicMerge } from './strategic-merge.js';
import type { Deployment, Json, JsonObject, KubeObject } from './types.js';

/** The `autoscaling/v1` Scale view of a Deployment or ReplicaSet. */
export function scaleOf(_type: ResourceType, obj: KubeObject): JsonObject {
  const d = obj as Deployment;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: d.metadata.name ?? '',
      namespace: d.metadata.namespace ?? '',
      uid: d.metadata.uid ?? '',
      resourceVersion: d.metadata.resourceVersion ?? '',
      creationTimestamp: d.metadata.creationTimestamp ?? '',
    },
    spec: { replicas: d.spec.replicas },
    status: { replicas: d.status?.replicas ?? 0, selector: selectorString(d.spec.selector) },
  };
}

/** PUT or PATCH of the scale subresource: only spec.replicas moves; a stale resourceVersion is a 409. */
export function setScale(
  api: KubeApi,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  body: Json,
  patchType: PatchType | undefined,
  dryRun: boolean,
): JsonObject {
  const current = api.get(type, namespace, name);
  const scale = scaleOf(type, current);
  const wanted = (
    patchType === 'json'
      ? jsonPatch(scale, body)
      : patchType === 'merge'
        ? mergePatch(scale, body)
        : patchType === 'strategic'
          ? strategicMerge(scale, body)
          : body
  ) as { metadata?: { resourceVersion?: string }; spec?: { replicas?: number } };
  const rv = wanted?.metadata?.resourceVersion;
  if (rv && rv !== current.metadata.resourceVersion) throw conflict(type, name);
  const replicas = wanted?.spec?.replicas ?? 0;
  const next = structuredClone(current) as Deployment;
  next.spec.replicas = replicas;
  const saved = api.update(type, namespace, next, { dryRun });
  return scaleOf(type, saved);
}
