import { setCondition, surgeAndUnavailable } from './rollout-math.js';
import type { Condition, Deployment, ReplicaSet } from './types.js';

type Status = NonNullable<Deployment['status']>;

/** Drops zero counts, as the Go types' `omitempty` does on the wire. */
function omitZero(status: Status): Status {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) if (v !== 0 && v !== undefined) out[k] = v;
  return out as Status;
}

/**
 * calculateStatus + syncRolloutStatus: counts from the ReplicaSets, then
 * Available by minimum availability and Progressing by progress, completion
 * (NewReplicaSetAvailable) or the progress deadline (ProgressDeadlineExceeded).
 */
export function deploymentStatus(
  d: Deployment,
  before: Status,
  all: ReplicaSet[],
  newRS: ReplicaSet | undefined,
  createdName: string | undefined,
): { status: Status; complete: boolean } {
  const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const available = sum((rs) => rs.status?.availableReplicas);
  const total = sum((rs) => rs.spec.replicas);
  const status: Status = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    collisionCount: before.collisionCount,
  };
  let conditions: Condition[] = structuredClone(before.conditions ?? []);
  const set = (c: Condition) => {
    const current = conditions.find((x) => x.type === c.type);
    if (current && current.status === c.status && current.reason === c.reason) return;
    conditions = setCondition(conditions, c);
  };
  const { unavailable } = surgeAndUnavailable(d);
  if (available >= d.spec.replicas - unavailable) {
    set({
      type: 'Available',
      status: 'True',
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    });
  } else {
    set({
      type: 'Available',
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
    });
  }
  if (createdName) {
    set({
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetCreated',
      message: `Created new replica set "${createdName}"`,
    });
  } else if (newRS && !conditions.some((c) => c.type === 'Progressing')) {
    set({
      type: 'Progressing',
      status: 'True',
      reason: 'FoundNewReplicaSet',
      message: `Found new replica set "${newRS.metadata.name}"`,
    });
  }
  const progressing = conditions.find((c) => c.type === 'Progressing');
  const r = d.spec.replicas;
  const complete =
    status.updatedReplicas === r &&
    status.replicas === r &&
    available === r &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
  const name = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  const alreadyComplete =
    status.replicas === status.updatedReplicas && progressing?.reason === 'NewReplicaSetAvailable';
  if (!alreadyComplete) {
    const oldBefore = (before.replicas ?? 0) - (before.updatedReplicas ?? 0);
    const oldNow = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
    const progressed =
      (status.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) ||
      oldNow < oldBefore ||
      (status.readyReplicas ?? 0) > (before.readyReplicas ?? 0) ||
      available > (before.availableReplicas ?? 0);
    const deadline = progressing?.lastUpdateTime
      ? Date.parse(progressing.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000
      : Infinity;
    if (complete) {
      set({
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `${name} has successfully progressed.`,
      });
    } else if (progressed) {
      // Progress refreshes lastUpdateTime even when the reason stays the same: the deadline counts from it.
      const rest = conditions.filter((c) => c.type !== 'Progressing');
      const next = setCondition(rest, {
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: `${name} is progressing.`,
      });
      const fresh = next.find((c) => c.type === 'Progressing')!;
      if (progressing?.status === 'True') fresh.lastTransitionTime = progressing.lastTransitionTime;
      conditions = next;
    } else if (
      progressing &&
      progressing.reason !== 'NewReplicaSetAvailable' &&
      progressing.reason !== 'ProgressDeadlineExceeded' &&
      deadline < Date.now()
    ) {
      set({
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `${name} has timed out progressing.`,
      });
    }
  }
  return { status: { ...omitZero(status), conditions }, complete };
}
