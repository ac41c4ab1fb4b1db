/**
 * Blue-green by Service selector, the runbook's way: Deployments `<service>-blue` and
 * `<service>-green`; a deploy sets the idle colour's image, scales it up and waits for
 * ready pods; only then is the Service's selector patched to that colour. The other
 * colour stays scaled up for the rollback window, so a rollback flips the selector
 * back first and scales the failed colour to 0 afterwards: there is never a moment
 * without ready endpoints. Each colour carries the Rewind revision it runs.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import type { LiveRelease } from '../../core/ports/driver.js';
import type { KubeClient } from './client.js';
import type { PlatformRevision } from '../../core/ports/driver.js';
import type { KubernetesDriverOptions, Workload } from './options.js';
import { imageFor } from './options.js';
import { selectorString } from './pods.js';
import { containerOf, currentReplicaSet, ownedReplicaSets, versionOfImage } from './replica-sets.js';
import { rolloutState } from './rollout.js';

export const REVISION_ANNOTATION = 'rewind.dev/revision';

export function blueGreenWorkload(client: KubeClient, options: KubernetesDriverOptions, namespace: string): Workload {
  const { service, colorLabel, colors } = options;
  const deploymentName = (color: string) => `${service}-${color}`;
  const annotated = (d: V1Deployment | null): number | null => {
    const value = d?.metadata?.annotations?.[REVISION_ANNOTATION];
    return value ? Number(value) : null;
  };
  // Before Rewind's first deploy nothing is annotated: the colour the Service selects is revision 1
  let adopting = false;
  let selectedNow: string | null = null;
  const revisionOf = (d: V1Deployment | null): number | null =>
    annotated(d) ?? (adopting && d?.metadata?.name === deploymentName(selectedNow ?? '') ? 1 : null);

  const load = async () => {
    const svc = await client.readService(namespace, service);
    if (!svc) throw new Error(`service ${namespace}/${service} not found (blue-green switches its selector)`);
    const selected = svc.spec?.selector?.[colorLabel] ?? null;
    const sides = await Promise.all(
      colors.map(async (color) => ({
        color,
        deployment: await client.readDeployment(namespace, deploymentName(color)),
      })),
    );
    adopting = sides.every((s) => annotated(s.deployment) === null);
    selectedNow = selected;
    return { selected, sides };
  };
  const need = (side: { color: string; deployment: V1Deployment | null }): V1Deployment => {
    if (!side.deployment)
      throw new Error(
        `deployment ${namespace}/${deploymentName(side.color)} not found (create ${colors.join(' and ')})`,
      );
    return side.deployment;
  };
  const colorOf = async (revision: number) => (await load()).sides.find((s) => revisionOf(s.deployment) === revision);

  const workload: Workload = {
    async describe() {
      const { selected, sides } = await load();
      const releases: LiveRelease[] = [];
      for (const { color, deployment } of sides) {
        const revision = revisionOf(deployment);
        if (!deployment || revision === null) continue;
        const desired = deployment.spec?.replicas ?? 0;
        releases.push({
          revision,
          version: versionOfImage(containerOf(deployment.spec?.template, options.container)?.image),
          weight: selected === color ? 100 : 0,
          ready: deployment.status?.readyReplicas ?? 0,
          desired,
          healthy: desired > 0 && rolloutState(deployment).done,
        });
      }
      const live = releases.find((r) => r.weight === 100);
      return { releases, healthy: Boolean(live?.healthy) };
    },

    async start(release) {
      const { selected, sides } = await load();
      const own = sides.find((s) => revisionOf(s.deployment) === release.revision);
      const idle = own ?? sides.find((s) => s.color !== selected);
      if (!idle) throw new Error(`no idle colour: both ${colors.join(' and ')} are selected`);
      if (idle.color === selected && revisionOf(idle.deployment) !== release.revision)
        throw new Error(`colour ${idle.color} receives traffic: it cannot be reused`);
      const deployment = need(idle);
      const live = sides.find((s) => s.color === selected)?.deployment;
      const replicas = options.replicas ?? (live?.spec?.replicas || 1);
      const container = containerOf(deployment.spec?.template, options.container);
      if (!container)
        throw new Error(`deployment ${deploymentName(idle.color)} has no container ${options.container ?? ''}`);
      const image = imageFor(options, release);
      const liveSide = sides.find((s) => s.color === selected);
      if (liveSide?.deployment && adopting)
        // the adopted colour gets its revision written down before the other one is touched
        await client.patchDeployment(
          namespace,
          deploymentName(liveSide.color),
          { metadata: { annotations: { [REVISION_ANNOTATION]: '1' } } },
          'merge',
        );
      await client.patchDeployment(
        namespace,
        deploymentName(idle.color),
        {
          metadata: { annotations: { [REVISION_ANNOTATION]: String(release.revision) } },
          spec: { replicas, template: { spec: { containers: [{ name: container.name, image }] } } },
        },
        'strategic',
      );
      return `${deploymentName(idle.color)}: ${image}, ${replicas} replicas (idle colour ${idle.color})`;
    },

    async shiftTraffic(weights) {
      // a Service selector sends all traffic one way: the release with the larger share gets it
      const [target] = Object.entries(weights).sort(([, a], [, b]) => b - a);
      if (!target) return 'no weights given';
      const side = await colorOf(Number(target[0]));
      if (!side) throw new Error(`no colour runs revision ${target[0]}`);
      const deployment = need(side);
      if ((deployment.status?.readyReplicas ?? 0) < 1)
        throw new Error(`${deploymentName(side.color)} has no ready pods: the selector stays where it is`);
      await client.patchService(namespace, service, { spec: { selector: { [colorLabel]: side.color } } }, 'merge');
      return `service ${namespace}/${service}: selector ${colorLabel}=${side.color} (revision ${target[0]})`;
    },

    async retire(release, call) {
      const { selected } = await load();
      const side = await colorOf(release.revision);
      if (!side?.deployment) return `no colour runs revision ${release.revision}`;
      if (side.color === selected)
        throw new Error(`${deploymentName(side.color)} still receives traffic: flip the selector first`);
      await client.patchDeployment(namespace, deploymentName(side.color), { spec: { replicas: 0 } }, 'merge');
      const lines = [`${deploymentName(side.color)} scaled to 0`];
      if (call.force) {
        for (const pod of await client.listPods(namespace, selectorString(side.deployment.spec?.selector))) {
          await client.deletePod(namespace, pod.metadata?.name ?? '', 0);
          lines.push(`pod ${pod.metadata?.name} deleted with grace period 0`);
        }
      }
      return lines.join('\n');
    },

    async history(): Promise<PlatformRevision[]> {
      const { selected, sides } = await load();
      return sides
        .filter((s) => s.deployment && revisionOf(s.deployment) !== null)
        .map((s) => {
          const image = containerOf(s.deployment?.spec?.template, options.container)?.image ?? '';
          return {
            revision: revisionOf(s.deployment) as number,
            formerRevisions: [],
            version: versionOfImage(image),
            image,
            current: s.color === selected,
            changeCause: null,
          };
        })
        .sort((a, b) => a.revision - b.revision);
    },

    async podsOf(revision) {
      const side = await colorOf(revision);
      if (!side?.deployment) return null;
      const all = await client.listReplicaSets(namespace, selectorString(side.deployment.spec?.selector));
      const rs = currentReplicaSet(ownedReplicaSets(side.deployment, all));
      const pods = rs ? await client.listPods(namespace, selectorString(rs.spec?.selector)) : [];
      return { pods, current: true, progressDeadlineExceeded: rolloutState(side.deployment).failed === true };
    },

    async setEnv(variable, value) {
      const { selected, sides } = await load();
      const side = sides.find((s) => s.color === selected);
      if (!side) throw new Error(`service ${namespace}/${service} selects no colour`);
      const deployment = need(side);
      const container = containerOf(deployment.spec?.template, options.container);
      if (!container) throw new Error(`deployment ${deploymentName(side.color)} has no container`);
      await client.patchDeployment(
        namespace,
        deploymentName(side.color),
        { spec: { template: { spec: { containers: [{ name: container.name, env: [{ name: variable, value }] }] } } } },
        'strategic',
      );
      return `${deploymentName(side.color)}: ${variable}=${value}; pods roll`;
    },
  };
  return workload;
}
