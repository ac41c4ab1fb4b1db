/**
 * Two Deployments that releases alternate between, and a traffic control that
 * splits traffic over them: blue-green (a Service selector: all or nothing) and
 * canary (an Istio VirtualService or Gateway API HTTPRoute: weights). A deploy
 * sets the image of the Deployment without traffic, scales it up and waits for
 * its pods; only then does traffic move. The other Deployment stays scaled up for
 * the rollback window, so a rollback moves traffic back first and scales the
 * failed one to 0 afterwards: there is never a moment without ready endpoints.
 * Each Deployment carries the Rewind revision it runs in an annotation.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { Fence } from '../../core/model.js';
import type { LiveRelease, PlatformRevision } from '../../core/ports/driver.js';
import type { KubeClient } from './client.js';
import type { KubernetesDriverOptions, Workload } from './options.js';
import { imageFor } from './options.js';
import { selectorString } from './pods.js';
import { containerOf, currentReplicaSet, ownedReplicaSets, versionOfImage } from './replica-sets.js';
import { rolloutState } from './rollout.js';

export const REVISION_ANNOTATION = 'rewind.dev/revision';

/** How traffic is split over the two Deployments. */
export interface TrafficControl {
  /** the two Deployments' names */
  slots: [string, string];
  /** percent of traffic per Deployment now */
  weights(): Promise<Record<string, number>>;
  /**
   * sets the percents (the larger share wins where only all-or-nothing is possible); returns
   * what it did. With a fence the write is conditional (fencing.ts): refused under an older token.
   */
  set(weights: Record<string, number>, fence?: Fence): Promise<string>;
  /**
   * replicas a new release starts with when its pods take traffic as soon as they are
   * ready (a replica-ratio canary); default all of them
   */
  startReplicas?: number;
}

interface Side {
  slot: string;
  deployment: V1Deployment | null;
  weight: number;
}

export function twoDeploymentWorkload(
  client: KubeClient,
  options: KubernetesDriverOptions,
  namespace: string,
  traffic: TrafficControl,
): Workload {
  const annotated = (d: V1Deployment | null): number | null => {
    const value = d?.metadata?.annotations?.[REVISION_ANNOTATION];
    return value ? Number(value) : null;
  };
  // Before Rewind's first deploy nothing is annotated: the Deployment with the traffic is revision 1
  let adopting = false;
  let liveSlot: string | null = null;
  const revisionOf = (side: Side): number | null =>
    annotated(side.deployment) ?? (adopting && side.slot === liveSlot && side.deployment ? 1 : null);

  const load = async (): Promise<Side[]> => {
    const weights = await traffic.weights();
    const sides = await Promise.all(
      traffic.slots.map(async (slot) => ({
        slot,
        deployment: await client.readDeployment(namespace, slot),
        weight: weights[slot] ?? 0,
      })),
    );
    adopting = sides.every((s) => annotated(s.deployment) === null);
    liveSlot = [...sides].sort((a, b) => b.weight - a.weight)[0]?.slot ?? null;
    return sides;
  };
  const need = (side: Side): V1Deployment => {
    if (!side.deployment)
      throw new Error(`deployment ${namespace}/${side.slot} not found (create ${traffic.slots.join(' and ')})`);
    return side.deployment;
  };
  const sideOf = async (revision: number) => (await load()).find((s) => revisionOf(s) === revision);
  const patchEnv = async (side: Side, variable: string, value: string) => {
    const container = containerOf(need(side).spec?.template, options.container);
    if (!container) throw new Error(`deployment ${side.slot} has no container ${options.container ?? ''}`.trim());
    if (container.env?.some((e) => e.name === variable && e.value === value && !e.valueFrom))
      return `deployment ${namespace}/${side.slot}: ${variable} is already ${value}`;
    await client.patchDeployment(
      namespace,
      side.slot,
      { spec: { template: { spec: { containers: [{ name: container.name, env: [{ name: variable, value }] }] } } } },
      'strategic',
    );
    return `deployment ${namespace}/${side.slot}: ${variable}=${value}; pods roll`;
  };

  return {
    async describe() {
      const releases: LiveRelease[] = [];
      for (const side of await load()) {
        const revision = revisionOf(side);
        if (!side.deployment || revision === null) continue;
        const desired = side.deployment.spec?.replicas ?? 0;
        releases.push({
          revision,
          version: versionOfImage(containerOf(side.deployment.spec?.template, options.container)?.image),
          weight: side.weight,
          ready: side.deployment.status?.readyReplicas ?? 0,
          desired,
          healthy: desired > 0 && rolloutState(side.deployment).done,
        });
      }
      const serving = releases.filter((r) => r.weight > 0);
      return { releases, healthy: serving.length > 0 && serving.every((r) => r.healthy) };
    },

    async start(release) {
      const sides = await load();
      const own = sides.find((s) => revisionOf(s) === release.revision);
      const idle = own ?? [...sides].sort((a, b) => a.weight - b.weight)[0];
      if (!idle) throw new Error('no Deployment to start on');
      if (!own && idle.weight > 0) throw new Error(`deployment ${idle.slot} receives traffic: it cannot be reused`);
      const deployment = need(idle);
      const live = sides.find((s) => s.slot === liveSlot && s !== idle);
      if (live?.deployment && adopting)
        // the adopted Deployment gets its revision written down before the other one is touched
        await client.patchDeployment(
          namespace,
          live.slot,
          { metadata: { annotations: { [REVISION_ANNOTATION]: '1' } } },
          'merge',
        );
      const replicas = traffic.startReplicas ?? options.replicas ?? (live?.deployment?.spec?.replicas || 1);
      const container = containerOf(deployment.spec?.template, options.container);
      if (!container) throw new Error(`deployment ${idle.slot} has no container ${options.container ?? ''}`.trim());
      const image = imageFor(options, release);
      await client.patchDeployment(
        namespace,
        idle.slot,
        {
          metadata: { annotations: { [REVISION_ANNOTATION]: String(release.revision) } },
          spec: { replicas, template: { spec: { containers: [{ name: container.name, image }] } } },
        },
        'strategic',
      );
      return `deployment ${namespace}/${idle.slot}: ${image}, ${replicas} replicas (no traffic yet)`;
    },

    async shiftTraffic(weights, call) {
      const sides = await load();
      const bySlot: Record<string, number> = Object.fromEntries(sides.map((s) => [s.slot, 0]));
      for (const [revision, weight] of Object.entries(weights)) {
        const side = sides.find((s) => revisionOf(s) === Number(revision));
        if (!side) throw new Error(`no Deployment runs revision ${revision}`);
        // traffic only goes where pods are ready
        if (weight > 0 && (need(side).status?.readyReplicas ?? 0) < 1)
          throw new Error(`deployment ${side.slot} has no ready pods: traffic stays where it is`);
        bySlot[side.slot] = weight;
      }
      return traffic.set(bySlot, call.fence);
    },

    async retire(release, call) {
      const side = await sideOf(release.revision);
      if (!side?.deployment) return `no Deployment runs revision ${release.revision}`;
      if (side.weight > 0) throw new Error(`deployment ${side.slot} still receives traffic: move it first`);
      // the pods are listed before the scale-down, so the ones it leaves terminating are force-deleted too
      const pods = call.force ? await client.listPods(namespace, selectorString(side.deployment.spec?.selector)) : [];
      await client.patchDeployment(namespace, side.slot, { spec: { replicas: 0 } }, 'merge');
      const lines = [`deployment ${namespace}/${side.slot} scaled to 0`];
      for (const pod of pods) {
        await client.deletePod(namespace, pod.metadata?.name ?? '', 0);
        lines.push(`pod ${pod.metadata?.name} deleted with grace period 0`);
      }
      return lines.join('\n');
    },

    async history(): Promise<PlatformRevision[]> {
      return (await load())
        .filter((s) => s.deployment && revisionOf(s) !== null)
        .map((s) => {
          const image = containerOf(s.deployment?.spec?.template, options.container)?.image ?? '';
          return {
            revision: revisionOf(s) as number,
            formerRevisions: [],
            version: versionOfImage(image),
            image,
            current: s.slot === liveSlot,
            changeCause: null,
          };
        })
        .sort((a, b) => a.revision - b.revision);
    },

    async podsOf(revision) {
      const side = await sideOf(revision);
      if (!side?.deployment) return null;
      const all = await client.listReplicaSets(namespace, selectorString(side.deployment.spec?.selector));
      const rs = currentReplicaSet(ownedReplicaSets(side.deployment, all));
      const pods = rs ? await client.listPods(namespace, selectorString(rs.spec?.selector)) : [];
      return { pods, current: true, progressDeadlineExceeded: rolloutState(side.deployment).failed === true };
    },

    async setEnv(variable, value) {
      const sides = await load();
      const live = sides.find((s) => s.slot === liveSlot);
      if (!live) throw new Error('no Deployment receives traffic');
      return patchEnv(live, variable, value);
    },
  };
}
