/**
 * Reading a Deployment's history the way the Deployment controller and `kubectl
 * rollout` keep it: each ReplicaSet owned by the Deployment carries its revision in
 * the `deployment.kubernetes.io/revision` annotation; when an old ReplicaSet is
 * rolled back to, it gets the next revision and its earlier ones move to
 * `deployment.kubernetes.io/revision-history`. Pure functions, no I/O.
 */
import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const TEMPLATE_HASH = 'pod-template-hash';

/** The annotations `kubectl rollout undo` never copies from a ReplicaSet to its Deployment. */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export const revisionOf = (rs: V1ReplicaSet): number => Number(rs.metadata?.annotations?.[REVISION] ?? 0);

export const formerRevisionsOf = (rs: V1ReplicaSet): number[] =>
  (rs.metadata?.annotations?.[REVISION_HISTORY] ?? '')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);

/** The ReplicaSets a Deployment owns, newest revision first. */
export function ownedReplicaSets(deployment: V1Deployment, all: V1ReplicaSet[]): V1ReplicaSet[] {
  const uid = deployment.metadata?.uid;
  return all
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && (!uid || o.uid === uid)))
    .sort((a, b) => revisionOf(b) - revisionOf(a));
}

/** The ReplicaSet that answers for a revision now or answered for it before a rollback. */
export function replicaSetForRevision(owned: V1ReplicaSet[], revision: number): V1ReplicaSet | undefined {
  return (
    owned.find((rs) => revisionOf(rs) === revision) ?? owned.find((rs) => formerRevisionsOf(rs).includes(revision))
  );
}

/** The Deployment's newest ReplicaSet: the one its current template rolls to. */
export const currentReplicaSet = (owned: V1ReplicaSet[]): V1ReplicaSet | undefined => owned[0];

/** The next revision the Deployment controller will give a changed template. */
export const nextRevision = (owned: V1ReplicaSet[]): number =>
  owned.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0) + 1;

export function containerOf(template: V1PodTemplateSpec | undefined, name?: string) {
  const containers = template?.spec?.containers ?? [];
  return name ? containers.find((c) => c.name === name) : containers[0];
}

/** `shop/api:v2` → `v2` (a digest reference keeps its digest). */
export function versionOfImage(image: string | undefined): string {
  if (!image) return '';
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest';
}

/**
 * The JSON patch `kubectl rollout undo --to-revision` sends: the ReplicaSet's pod
 * template without its pod-template-hash label, and the Deployment's annotations
 * with the ReplicaSet's own (change-cause and the like) in place of its old ones.
 */
export function undoPatch(deployment: V1Deployment, target: V1ReplicaSet): unknown[] {
  const template = structuredClone(target.spec?.template ?? {});
  if (template.metadata?.labels) delete template.metadata.labels[TEMPLATE_HASH];
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment.metadata?.annotations ?? {}))
    if (ANNOTATIONS_TO_SKIP.has(key)) annotations[key] = value;
  for (const [key, value] of Object.entries(target.metadata?.annotations ?? {}))
    if (!ANNOTATIONS_TO_SKIP.has(key)) annotations[key] = value;
  return [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}

/** Same pod template, as the Deployment controller compares them (ignoring the hash label). */
export function sameTemplate(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  const strip = (t: V1PodTemplateSpec | undefined) => {
    const copy = structuredClone(t ?? {});
    if (copy.metadata?.labels) delete copy.metadata.labels[TEMPLATE_HASH];
    return JSON.stringify(sortKeys(copy));
  };
  return strip(a) === strip(b);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  return value;
}
