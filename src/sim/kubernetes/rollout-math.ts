import type { Condition, Deployment, ReplicaSet } from './types.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Annotations the controller never copies from a Deployment onto its ReplicaSets. */
const NOT_COPIED = new Set([
  LAST_APPLIED,
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[REVISION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

function resolve(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const percent = Number(value.replace('%', ''));
  const exact = (percent * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge and maxUnavailable as pod counts (surge rounds up, unavailable down; both 0 → unavailable 1). */
export function surgeAndUnavailable(d: Deployment): { surge: number; unavailable: number } {
  if (d.spec.strategy.type !== 'RollingUpdate') return { surge: 0, unavailable: 0 };
  const ru = d.spec.strategy.rollingUpdate ?? {};
  const surge = resolve(ru.maxSurge, d.spec.replicas, true);
  let unavailable = resolve(ru.maxUnavailable, d.spec.replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, d.spec.replicas) };
}

/** Copies the Deployment's annotations onto a ReplicaSet; true when something changed. */
export function copyAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  rs.metadata.annotations ??= {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || rs.metadata.annotations[k] === v) continue;
    rs.metadata.annotations[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Moves a ReplicaSet to the newest revision. When it already had one (a
 * rollback to an old template), the old number is kept in
 * `revision-history`, as SetNewReplicaSetAnnotations does.
 */
export function setRevision(rs: ReplicaSet, newRevision: number): boolean {
  rs.metadata.annotations ??= {};
  const old = rs.metadata.annotations[REVISION];
  const oldNumber = Number(old ?? '0');
  if (oldNumber >= newRevision) return false;
  rs.metadata.annotations[REVISION] = String(newRevision);
  if (old !== undefined) {
    const history = rs.metadata.annotations[REVISION_HISTORY];
    rs.metadata.annotations[REVISION_HISTORY] = history ? `${history},${old}` : old;
  }
  return true;
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Sets a condition; lastTransitionTime moves only when the status flips, lastUpdateTime on every change. */
export function setCondition(conditions: Condition[], next: Condition, touch = true): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const stamp = now();
  if (
    existing &&
    existing.status === next.status &&
    existing.reason === next.reason &&
    existing.message === next.message &&
    !touch
  ) {
    return conditions;
  }
  const merged: Condition = {
    ...next,
    lastUpdateTime: stamp,
    lastTransitionTime: existing && existing.status === next.status ? existing.lastTransitionTime : stamp,
  };
  return [...conditions.filter((c) => c.type !== next.type), merged].sort((a, b) =>
    a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0,
  );
}
