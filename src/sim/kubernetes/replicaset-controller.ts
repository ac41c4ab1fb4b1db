import { findType } from './resources.js';
import { isPodReady, isTerminating, podStatus, terminationDue } from './pod-lifecycle.js';
import type { ObjectStore } from './store.js';
import { randomSuffix } from './template-hash.js';
import type { Pod, ReplicaSet } from './types.js';

const REPLICASETS = findType('apps', 'v1', 'replicasets')!;
const PODS = findType('', 'v1', 'pods')!;

let nextPodIp = 2;

function allocatePodIp(): string {
  const n = nextPodIp++;
  return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

/**
 * The ReplicaSet controller and the kubelet together: keep `spec.replicas`
 * active pods per ReplicaSet, move each pod through its simulated life, remove
 * terminated pods, and report the ReplicaSet's counts.
 */
export class ReplicaSetController {
  constructor(private readonly store: ObjectStore) {}

  syncAll(): void {
    this.pods();
    for (const rs of this.store.list(REPLICASETS) as ReplicaSet[]) this.sync(rs);
  }

  /** Kubelet: status of every pod, and terminating pods removed once their time is up. */
  private pods(): void {
    for (const pod of this.store.list(PODS) as Pod[]) {
      if (isTerminating(pod)) {
        if (terminationDue(pod)) this.store.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? '');
        continue;
      }
      if (!pod.status?.podIP)
        pod.status = { ...pod.status, phase: pod.status?.phase ?? 'Pending', podIP: allocatePodIp() };
      const status = podStatus(pod);
      if (JSON.stringify(status) !== JSON.stringify(pod.status)) {
        this.store.update(PODS, { ...pod, status }, { statusOnly: true });
      }
    }
  }

  private owned(rs: ReplicaSet): Pod[] {
    return (this.store.list(PODS, rs.metadata.namespace) as Pod[]).filter((p) =>
      p.metadata.ownerReferences?.some((r) => r.controller && r.uid === rs.metadata.uid),
    );
  }

  private sync(rs: ReplicaSet): void {
    const active = this.owned(rs).filter((p) => !isTerminating(p));
    const diff = active.length - rs.spec.replicas;
    if (diff < 0) {
      for (let i = 0; i < -diff; i++) active.push(this.createPod(rs));
    } else if (diff > 0) {
      // Not-ready pods go first, then the youngest, as the controller's pod ranking prefers.
      const victims = [...active]
        .sort(
          (a, b) =>
            Number(isPodReady(a)) - Number(isPodReady(b)) ||
            (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
        )
        .slice(0, diff);
      for (const pod of victims) {
        const grace = (pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30;
        const marked = structuredClone(pod);
        marked.metadata.deletionGracePeriodSeconds = grace;
        marked.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        this.store.update(PODS, marked, { statusOnly: true });
      }
    }
    const live = this.owned(rs).filter((p) => !isTerminating(p));
    const ready = live.filter(isPodReady).length;
    const status: Record<string, number> = { replicas: live.length };
    if (live.length) status.fullyLabeledReplicas = live.length;
    if (ready) status.readyReplicas = ready;
    if (ready) status.availableReplicas = ready;
    status.observedGeneration = rs.metadata.generation ?? 1;
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) {
      this.store.update(REPLICASETS, { ...rs, status }, { statusOnly: true });
    }
  }

  private createPod(rs: ReplicaSet): Pod {
    const template = structuredClone(rs.spec.template);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rs.metadata.name}-${randomSuffix()}`,
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: template.metadata?.labels ?? {},
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.metadata.name ?? '',
            uid: rs.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...template.spec, nodeName: 'sim-node-1' },
      status: { phase: 'Pending', podIP: allocatePodIp() },
    };
    if (template.metadata?.annotations) pod.metadata.annotations = template.metadata.annotations;
    const created = this.store.create(PODS, pod) as Pod;
    const status = podStatus(created);
    return this.store.update(PODS, { ...created, status }, { statusOnly: true }) as Pod;
  }
}
