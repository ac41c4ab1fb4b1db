/**
 * The rolling strategy: one Deployment; a Rewind revision is a ReplicaSet revision.
 * A deploy sets the container image (as `kubectl set image` does) and the Deployment
 * controller rolls it out; an undo re-applies the target ReplicaSet's pod template
 * exactly as `kubectl rollout undo --to-revision` does, so `kubectl rollout history`
 * afterwards reads as if a person had run it.
 */
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { LiveRelease } from '../../core/ports/driver.js';
import type { KubeClient } from './client.js';
import type { PlatformRevision } from '../../core/ports/driver.js';
import type { KubernetesDriverOptions, Workload } from './options.js';
import { imageFor } from './options.js';
import { CONFIG_HASH, restoreConfig, snapshotConfig } from './config-snapshots.js';
import { selectorString } from './pods.js';
import {
  containerOf,
  currentReplicaSet,
  formerRevisionsOf,
  nextRevision,
  ownedReplicaSets,
  replicaSetForRevision,
  revisionOf,
  sameTemplate,
  undoPatch,
  versionOfImage,
} from './replica-sets.js';
import { rolloutState, waitForRollout } from './rollout.js';

const CHANGE_CAUSE = 'kubernetes.io/change-cause';

export function rollingWorkload(client: KubeClient, options: KubernetesDriverOptions, namespace: string): Workload {
  const name = options.deployment;
  const where = `deployment ${namespace}/${name}`;

  const load = async (): Promise<{ deployment: V1Deployment; owned: V1ReplicaSet[] }> => {
    const deployment = await client.readDeployment(namespace, name);
    if (!deployment) throw new Error(`${where} not found (rewind adopts an existing Deployment; create it first)`);
    const all = await client.listReplicaSets(namespace, selectorString(deployment.spec?.selector));
    return { deployment, owned: ownedReplicaSets(deployment, all) };
  };
  const imageOf = (rs: V1ReplicaSet | V1Deployment): string =>
    containerOf(rs.spec?.template, options.container)?.image ?? '';
  const find = (owned: V1ReplicaSet[], revision: number, version: string) =>
    replicaSetForRevision(owned, revision) ??
    owned.find((rs) => versionOfImage(imageOf(rs)) === version && !owned.some((o) => revisionOf(o) === revision));
  const podsOfSet = (rs: V1ReplicaSet) => client.listPods(namespace, selectorString(rs.spec?.selector));

  const rollBackTo = async (target: V1ReplicaSet, deployment: V1Deployment, label: string): Promise<string> => {
    if (deployment.spec?.paused) throw new Error(`${where} is paused: resume it before rolling back`);
    if (sameTemplate(deployment.spec?.template, target.spec?.template))
      return `skipped rollback (current template already matches ${label})`;
    await client.patchDeployment(namespace, name, undoPatch(deployment, target), 'json');
    return `${where} rolled back to ${label} (${imageOf(target)})`;
  };

  const workload: Workload = {
    async describe() {
      const deployment = await client.readDeployment(namespace, name);
      if (!deployment) return { releases: [], healthy: false };
      const all = await client.listReplicaSets(namespace, selectorString(deployment.spec?.selector));
      const owned = ownedReplicaSets(deployment, all);
      const current = currentReplicaSet(owned);
      const rollout = rolloutState(deployment);
      const readyTotal = owned.reduce((sum, rs) => sum + (rs.status?.readyReplicas ?? 0), 0);
      const releases: LiveRelease[] = [];
      for (const rs of owned) {
        const isCurrent = rs === current;
        const running = (rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0;
        if (!running && !isCurrent) continue;
        const ready = rs.status?.readyReplicas ?? 0;
        const entry = {
          version: versionOfImage(imageOf(rs)),
          // traffic goes to ready pods: the share of ready pods is the share of traffic
          weight: readyTotal > 0 ? Math.round((100 * ready) / readyTotal) : isCurrent ? 100 : 0,
          ready,
          desired: isCurrent ? (deployment.spec?.replicas ?? 1) : (rs.spec?.replicas ?? 0),
          healthy: isCurrent ? rollout.done : ready >= (rs.spec?.replicas ?? 0),
        };
        // a ReplicaSet rolled back to answers for its earlier revisions too
        for (const revision of [revisionOf(rs), ...formerRevisionsOf(rs)]) releases.push({ revision, ...entry });
      }
      return { releases, healthy: rollout.done };
    },

    async start(release) {
      const { deployment } = await load();
      const container = containerOf(deployment.spec?.template, options.container);
      if (!container) throw new Error(`${where} has no container ${options.container ?? ''}`.trim());
      const image = imageFor(options, release);
      const config = await snapshotConfig(client, namespace, deployment.spec?.template, release.revision);
      const patch = {
        metadata: {
          annotations: {
            [CHANGE_CAUSE]: `rewind deploy ${release.service} ${release.version} (by ${release.deployedBy})`,
          },
        },
        spec: {
          template: {
            ...(config ? { metadata: { annotations: { [CONFIG_HASH]: config.hash } } } : {}),
            spec: { containers: [{ name: container.name, image }] },
          },
        },
      };
      const hashNow = deployment.spec?.template?.metadata?.annotations?.[CONFIG_HASH];
      if (container.image === image && (!config || hashNow === config.hash)) return `${where} already runs ${image}`;
      await client.patchDeployment(namespace, name, patch, 'strategic');
      return `${where}: container ${container.name} set to ${image}; the Deployment controller rolls it out`;
    },

    // traffic follows the rolling update: ready pods of the new ReplicaSet join the Service
    async shiftTraffic() {
      return `${where}: traffic follows the rollout`;
    },

    async retire(release, call) {
      const { deployment, owned } = await load();
      const rs = find(owned, release.revision, release.version);
      if (!rs) return `revision ${release.revision} no longer runs`;
      const lines: string[] = [];
      if (rs === currentReplicaSet(owned)) {
        // the only way to take the current template's pods away is to roll back to the one before it
        const previous = owned.find((o) => o !== rs && revisionOf(o) < revisionOf(rs));
        if (!previous) throw new Error(`${where} has no earlier revision to roll back to`);
        lines.push(await rollBackTo(previous, deployment, `revision ${revisionOf(previous)}`));
      }
      if (call.force) {
        for (const pod of await podsOfSet(rs)) {
          await client.deletePod(namespace, pod.metadata?.name ?? '', 0);
          lines.push(`pod ${pod.metadata?.name} deleted with grace period 0`);
        }
      }
      return lines.join('\n') || `revision ${release.revision} is scaled down by the Deployment controller`;
    },

    async undo(to, call) {
      const { deployment, owned } = await load();
      const target = find(owned, to.revision, to.version);
      if (!target)
        throw new Error(
          `${where} has no ReplicaSet for revision ${to.revision} any more (revisionHistoryLimit pruned it); deploy ${to.version} instead`,
        );
      // the release's own config first, so the pods the rollback starts read it
      const lines = await restoreConfig(client, namespace, target.spec?.template, to.revision);
      lines.push(await rollBackTo(target, deployment, `revision ${to.revision}`));
      for (const line of lines) call.log?.(line);
      lines.push(
        await waitForRollout(client, namespace, name, {
          timeoutMs: options.timeoutMs,
          ...(call.signal ? { signal: call.signal } : {}),
          ...(call.log ? { log: call.log } : {}),
        }),
      );
      return lines.join('\n');
    },

    async nextRevision() {
      const deployment = await client.readDeployment(namespace, name);
      if (!deployment) return null;
      const all = await client.listReplicaSets(namespace, selectorString(deployment.spec?.selector));
      return nextRevision(ownedReplicaSets(deployment, all));
    },

    async history(): Promise<PlatformRevision[]> {
      const deployment = await client.readDeployment(namespace, name);
      if (!deployment) return [];
      const all = await client.listReplicaSets(namespace, selectorString(deployment.spec?.selector));
      const owned = ownedReplicaSets(deployment, all);
      const current = currentReplicaSet(owned);
      return owned
        .map((rs) => ({
          revision: revisionOf(rs),
          formerRevisions: formerRevisionsOf(rs),
          version: versionOfImage(imageOf(rs)),
          image: imageOf(rs),
          current: rs === current,
          changeCause: rs.metadata?.annotations?.[CHANGE_CAUSE] ?? null,
        }))
        .reverse();
    },

    async podsOf(revision, version) {
      const deployment = await client.readDeployment(namespace, name);
      if (!deployment) return null;
      const all = await client.listReplicaSets(namespace, selectorString(deployment.spec?.selector));
      const owned = ownedReplicaSets(deployment, all);
      const rs = find(owned, revision, version);
      if (!rs) return null;
      const current = rs === currentReplicaSet(owned);
      return {
        pods: await podsOfSet(rs),
        current,
        progressDeadlineExceeded: current && rolloutState(deployment).failed === true,
      };
    },

    async setEnv(variable, value) {
      const { deployment } = await load();
      const container = containerOf(deployment.spec?.template, options.container);
      if (!container) throw new Error(`${where} has no container ${options.container ?? ''}`.trim());
      if (container.env?.some((e) => e.name === variable && e.value === value && !e.valueFrom))
        return `${where}: ${variable} is already ${value}`;
      await client.patchDeployment(
        namespace,
        name,
        { spec: { template: { spec: { containers: [{ name: container.name, env: [{ name: variable, value }] }] } } } },
        'strategic',
      );
      return `${where}: ${variable}=${value} set on container ${container.name}; pods roll`;
    },
  };
  return workload;
}
