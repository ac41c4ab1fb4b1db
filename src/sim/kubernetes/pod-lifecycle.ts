import { imageTag } from './defaults.js';
import { now } from './rollout-math.js';
import type { Condition, ContainerStatus, JsonObject, Pod } from './types.js';

/** A simulated container becomes ready this long after its pod was created. */
export const READY_AFTER_MS = 1000;
/** A `crash…` container restarts this often. */
export const RESTART_EVERY_MS = 2000;
/** A terminating pod is gone this long after deletion was asked (simulated containers exit on SIGTERM). */
export const TERMINATE_AFTER_MS = 1000;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function containerStatus(pod: Pod, c: { name: string; image?: string }, created: number, at: number): ContainerStatus {
  const image = c.image ?? '';
  const tag = imageTag(image);
  const base = { name: c.name, image, imageID: `sim://${image}`, containerID: `sim://${pod.metadata.uid}/${c.name}` };
  if (at - created < READY_AFTER_MS) {
    return {
      name: c.name,
      image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: {},
    };
  }
  const started = iso(created + READY_AFTER_MS);
  if (tag.startsWith('crash')) {
    const restarts = Math.floor((at - created - READY_AFTER_MS) / RESTART_EVERY_MS);
    const lastEnd = created + READY_AFTER_MS + restarts * RESTART_EVERY_MS;
    const lastState: JsonObject =
      restarts > 0
        ? {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: iso(lastEnd - RESTART_EVERY_MS),
              finishedAt: iso(lastEnd),
              containerID: base.containerID,
            },
          }
        : {};
    const state: JsonObject =
      restarts > 0
        ? {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
            },
          }
        : { running: { startedAt: started } };
    return { ...base, ready: false, started: false, restartCount: restarts, state, lastState };
  }
  const ready = !tag.startsWith('unready');
  return { ...base, ready, started: true, restartCount: 0, state: { running: { startedAt: started } }, lastState: {} };
}

/**
 * What the kubelet would report for a pod at a moment: Pending while
 * containers are created, then Running; Ready when every container is
 * ready. Derived from the creation time alone so a pod's status is the same
 * however often it is computed.
 */
export function podStatus(pod: Pod, at = Date.now()): Pod['status'] {
  const created = Date.parse(pod.metadata.creationTimestamp ?? iso(at));
  const statuses = pod.spec.containers.map((c) => containerStatus(pod, c, created, at));
  const pending = at - created < READY_AFTER_MS;
  const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
  const allReady = notReady.length === 0;
  const scheduled = iso(created);
  const readyAt = iso(created + READY_AFTER_MS);
  const cond = (type: string, ok: boolean, time: string, reason?: string): Condition => {
    const c: Condition = { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: time };
    if (!ok && reason) {
      c.reason = reason;
      c.message = `containers with unready status: [${notReady.join(' ')}]`;
    }
    return c;
  };
  const conditions: Condition[] = [
    cond('PodReadyToStartContainers', !pending, pending ? scheduled : readyAt),
    cond('Initialized', true, scheduled),
    cond('Ready', allReady, allReady ? readyAt : scheduled, 'ContainersNotReady'),
    cond('ContainersReady', allReady, allReady ? readyAt : scheduled, 'ContainersNotReady'),
    cond('PodScheduled', true, scheduled),
  ];
  return {
    phase: pending ? 'Pending' : 'Running',
    conditions,
    hostIP: '10.0.0.10',
    podIP: pod.status?.podIP,
    podIPs: pod.status?.podIP ? [{ ip: pod.status.podIP }] : undefined,
    startTime: scheduled,
    containerStatuses: statuses,
    qosClass: 'BestEffort',
  } as Pod['status'];
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata.deletionTimestamp);
}

/** When a terminating pod disappears: shortly after deletion was asked. */
export function terminationDue(pod: Pod, at = Date.now()): boolean {
  const asked =
    Date.parse(pod.metadata.deletionTimestamp ?? now()) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return at - asked >= TERMINATE_AFTER_MS;
}
