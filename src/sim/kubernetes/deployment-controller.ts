import type { ObjectStore } from './store.js';
import { findType } from './resources.js';
import {
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  REVISION,
  copyAnnotations,
  revisionOf,
  setRevision,
  surgeAndUnavailable,
} from './rollout-math.js';
import { selectorMatcher } from './selectors.js';
import { equalIgnoreHash, podTemplateHash } from './template-hash.js';
import type { Deployment, ReplicaSet } from './types.js';
import { deploymentStatus } from './deployment-status.js';

const DEPLOYMENTS = findType('apps', 'v1', 'deployments')!;
const REPLICASETS = findType('apps', 'v1', 'replicasets')!;
const PODS = findType('', 'v1', 'pods')!;

const byAge = (a: ReplicaSet, b: ReplicaSet) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
  Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion);

/**
 * The Deployment controller's behaviour: one ReplicaSet per pod template
 * (named `<deployment>-<pod-template-hash>`), revisions that count up and
 * move to a re-used ReplicaSet on rollback, rolling updates bounded by
 * maxSurge/maxUnavailable, Recreate, revisionHistoryLimit clean-up and the
 * status with its Available and Progressing conditions.
 */
export class DeploymentController {
  constructor(private readonly store: ObjectStore) {}

  syncAll(): void {
    for (const d of this.store.list(DEPLOYMENTS) as Deployment[]) {
      if (!d.metadata.deletionTimestamp) this.sync(d);
    }
  }

  /**
   * The Deployment's ReplicaSets; orphans its selector matches are adopted
   * first (ClaimReplicaSets), so a Deployment re-created after
   * `delete --cascade=orphan` takes its old ReplicaSets back.
   */
  private owned(d: Deployment): ReplicaSet[] {
    const matches = selectorMatcher(d.spec.selector);
    const all = this.store.list(REPLICASETS, d.metadata.namespace) as ReplicaSet[];
    for (const rs of all) {
      if (rs.metadata.ownerReferences?.some((r) => r.controller) || !matches(rs.metadata.labels)) continue;
      rs.metadata.ownerReferences = [
        ...(rs.metadata.ownerReferences ?? []),
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: d.metadata.name ?? '',
          uid: d.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ];
      Object.assign(rs, this.store.update(REPLICASETS, rs));
    }
    return all
      .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid))
      .sort(byAge);
  }

  private save(rs: ReplicaSet): ReplicaSet {
    return this.store.update(REPLICASETS, rs) as ReplicaSet;
  }

  private sync(d: Deployment): void {
    let all = this.owned(d);
    let newRS = all.find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
    const old = () => all.filter((rs) => rs !== newRS);
    const maxOld = Math.max(0, ...old().map(revisionOf));
    const statusBefore = structuredClone(d.status ?? {});
    let createdName: string | undefined;
    if (newRS) {
      const copied = copyAnnotations(d, newRS);
      const changed = setRevision(newRS, maxOld + 1) || copied;
      if (changed) newRS = this.save(newRS);
    } else if (!d.spec.paused) {
      newRS = this.create(d, maxOld + 1, all);
      createdName = newRS.metadata.name;
    }
    all = newRS ? [...old(), newRS] : all;
    if (!d.spec.paused && newRS) {
      if (d.spec.strategy.type === 'Recreate') this.recreate(d, newRS, old());
      else this.rolling(d, newRS, old());
      all = this.owned(d);
      newRS = all.find((rs) => rs.metadata.uid === newRS!.metadata.uid);
    }
    const status = deploymentStatus(d, statusBefore, all, newRS, createdName);
    if (status.complete)
      this.cleanup(
        d,
        all.filter((rs) => rs !== newRS),
      );
    const next = structuredClone(d);
    next.status = status.status;
    if (newRS) {
      next.metadata.annotations = {
        ...next.metadata.annotations,
        [REVISION]: newRS.metadata.annotations?.[REVISION] ?? '1',
      };
    }
    next.metadata.resourceVersion = undefined;
    this.store.update(DEPLOYMENTS, next, { statusOnly: true });
  }

  private create(d: Deployment, revision: number, existing: ReplicaSet[]): ReplicaSet {
    const collisions = d.status?.collisionCount ?? 0;
    const hash = podTemplateHash(d.spec.template, collisions);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, 'pod-template-hash': hash } };
    const { surge } = surgeAndUnavailable(d);
    const annotations: Record<string, string> = {};
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...d.spec.template.metadata?.labels, 'pod-template-hash': hash },
        annotations,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: d.metadata.name ?? '',
            uid: d.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector: { ...d.spec.selector, matchLabels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash } },
        template,
      },
      status: { replicas: 0 },
    };
    copyAnnotations(d, rs);
    annotations[DESIRED_REPLICAS] = String(d.spec.replicas);
    annotations[MAX_REPLICAS] = String(d.spec.replicas + surge);
    annotations[REVISION] = String(revision);
    if (!rs.spec.minReadySeconds) delete rs.spec.minReadySeconds;
    if (d.spec.strategy.type !== 'Recreate') {
      const total = existing.reduce((n, r) => n + r.spec.replicas, 0);
      rs.spec.replicas = Math.max(0, Math.min(d.spec.replicas + surge - total, d.spec.replicas));
    }
    if (this.store.get(REPLICASETS, d.metadata.namespace, rs.metadata.name ?? '')) {
      // A hash collision with a foreign ReplicaSet: bump collisionCount and try another name next round.
      const next = structuredClone(d);
      next.status = { ...next.status, collisionCount: collisions + 1 };
      this.store.update(DEPLOYMENTS, next, { statusOnly: true });
      throw new Error('pod-template-hash collision');
    }
    return this.store.create(REPLICASETS, rs) as ReplicaSet;
  }

  private scale(rs: ReplicaSet, replicas: number, d: Deployment): void {
    if (rs.spec.replicas === replicas) return;
    rs.spec.replicas = replicas;
    rs.metadata.annotations = {
      ...rs.metadata.annotations,
      [DESIRED_REPLICAS]: String(d.spec.replicas),
      [MAX_REPLICAS]: String(d.spec.replicas + surgeAndUnavailable(d).surge),
    };
    this.save(rs);
  }

  private rolling(d: Deployment, newRS: ReplicaSet, oldRSs: ReplicaSet[]): void {
    const { surge, unavailable } = surgeAndUnavailable(d);
    const sum = (list: ReplicaSet[], f: (rs: ReplicaSet) => number) => list.reduce((n, rs) => n + f(rs), 0);
    if (newRS.spec.replicas > d.spec.replicas) this.scale(newRS, d.spec.replicas, d);
    else if (newRS.spec.replicas < d.spec.replicas) {
      const current = sum([newRS, ...oldRSs], (rs) => rs.spec.replicas);
      const room = d.spec.replicas + surge - current;
      if (room > 0) this.scale(newRS, newRS.spec.replicas + Math.min(room, d.spec.replicas - newRS.spec.replicas), d);
    }
    const oldCount = sum(oldRSs, (rs) => rs.spec.replicas);
    if (oldCount === 0) return;
    const minAvailable = d.spec.replicas - unavailable;
    const allPods = sum([newRS, ...oldRSs], (rs) => rs.spec.replicas);
    const newUnavailable = newRS.spec.replicas - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return;
    // First drop old pods that are not available anyway, then available ones down to minAvailable.
    let cleaned = 0;
    for (const rs of oldRSs) {
      if (cleaned >= maxScaledDown || rs.spec.replicas === 0) continue;
      const unhealthy = rs.spec.replicas - (rs.status?.availableReplicas ?? 0);
      if (unhealthy <= 0) continue;
      const drop = Math.min(maxScaledDown - cleaned, unhealthy);
      this.scale(rs, rs.spec.replicas - drop, d);
      cleaned += drop;
    }
    const available = sum([newRS, ...oldRSs], (rs) => rs.status?.availableReplicas ?? 0);
    let toScale = available - minAvailable;
    for (const rs of oldRSs) {
      if (toScale <= 0) break;
      if (rs.spec.replicas === 0) continue;
      const drop = Math.min(rs.spec.replicas, toScale);
      this.scale(rs, rs.spec.replicas - drop, d);
      toScale -= drop;
    }
  }

  private recreate(d: Deployment, newRS: ReplicaSet, oldRSs: ReplicaSet[]): void {
    const running = oldRSs.filter((rs) => rs.spec.replicas > 0);
    for (const rs of running) this.scale(rs, 0, d);
    // oldPodsRunning: terminating pods still count, so old and new never run side by side.
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const oldPods = this.store
      .list(PODS, d.metadata.namespace)
      .some((p) => p.metadata.ownerReferences?.some((r) => oldUids.has(r.uid)));
    if (running.length > 0 || oldPods) return;
    this.scale(newRS, d.spec.replicas, d);
  }

  /** revisionHistoryLimit: delete the oldest scaled-down ReplicaSets beyond the limit. */
  private cleanup(d: Deployment, oldRSs: ReplicaSet[]): void {
    const excess = oldRSs.length - d.spec.revisionHistoryLimit;
    if (excess <= 0) return;
    const sorted = [...oldRSs].sort((a, b) => revisionOf(a) - revisionOf(b));
    let deleted = 0;
    for (const rs of sorted) {
      if (deleted >= excess) break;
      if (rs.spec.replicas !== 0 || (rs.status?.replicas ?? 0) !== 0) continue;
      this.store.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name ?? '');
      deleted++;
    }
  }
}
