/**
 * The two ways traffic moves between two Deployments: a Service selector (blue-green,
 * all or nothing) and the weights of a router (canary): an Istio VirtualService's
 * first HTTP route, or a Gateway API HTTPRoute's first rule. A router destination
 * belongs to a Deployment when its host (or subset) or backendRef name is the
 * Deployment's name, the usual one-Service-per-Deployment layout.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { CustomRef, KubeClient } from './client.js';
import { fencedWrite, type FenceMeta } from './fencing.js';
import type { TrafficControl } from './two-deployments.js';

const withMeta = (meta: FenceMeta): { metadata?: FenceMeta } => (Object.keys(meta).length ? { metadata: meta } : {});

export function selectorTraffic(
  client: KubeClient,
  namespace: string,
  service: string,
  colorLabel: string,
  colors: [string, string],
): TrafficControl {
  const slots: [string, string] = [`${service}-${colors[0]}`, `${service}-${colors[1]}`];
  return {
    slots,
    async weights() {
      const svc = await client.readService(namespace, service);
      if (!svc) throw new Error(`service ${namespace}/${service} not found (blue-green switches its selector)`);
      const color = svc.spec?.selector?.[colorLabel];
      return Object.fromEntries(slots.map((slot, i) => [slot, colors[i] === color ? 100 : 0]));
    },
    async set(weights, fence) {
      // a selector sends all traffic one way: the larger share gets it
      const [slot] = Object.entries(weights).sort(([, a], [, b]) => b - a)[0] ?? [];
      const color = colors[slots.indexOf(slot as string)];
      if (!color) throw new Error('no weights given');
      await fencedWrite({
        what: `Service ${namespace}/${service}`,
        fence,
        read: async () => (await client.readService(namespace, service))?.metadata,
        write: (meta) =>
          client.patchService(
            namespace,
            service,
            { ...withMeta(meta), spec: { selector: { [colorLabel]: color } } },
            'merge',
          ),
      });
      return `service ${namespace}/${service}: selector ${colorLabel}=${color}`;
    },
  };
}

export type RouterType = 'istio' | 'gateway-api';

interface Destination {
  weight?: number;
  destination?: { host?: string; subset?: string };
  name?: string;
}

const KINDS: Record<RouterType, Omit<CustomRef, 'namespace' | 'name'>> = {
  istio: { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' },
  'gateway-api': { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' },
};

export function routerTraffic(
  client: KubeClient,
  namespace: string,
  router: { type: RouterType; name: string },
  slots: [string, string],
): TrafficControl {
  const ref: CustomRef = { ...KINDS[router.type], namespace, name: router.name };
  const where = `${router.type === 'istio' ? 'VirtualService' : 'HTTPRoute'} ${namespace}/${router.name}`;
  const slotOf = (d: Destination): string | undefined =>
    slots.find((slot) =>
      router.type === 'istio'
        ? d.destination?.subset === slot ||
          d.destination?.host === slot ||
          d.destination?.host?.startsWith(`${slot}.`) === true
        : d.name === slot,
    );
  const load = async () => {
    const obj = await client.readCustom(ref);
    if (!obj) throw new Error(`${where} not found`);
    const spec = (obj.spec ?? {}) as { http?: { route?: Destination[] }[]; rules?: { backendRefs?: Destination[] }[] };
    const list = router.type === 'istio' ? spec.http : spec.rules;
    const first = list?.[0];
    const destinations =
      (router.type === 'istio'
        ? (first as { route?: Destination[] })?.route
        : (first as { backendRefs?: Destination[] })?.backendRefs) ?? [];
    if (!list || !first || slots.some((slot) => !destinations.some((d) => slotOf(d) === slot)))
      throw new Error(`${where} needs one destination for each of ${slots.join(' and ')} in its first route`);
    return { list, destinations, metadata: obj.metadata as V1ObjectMeta | undefined };
  };
  return {
    slots,
    async weights() {
      const { destinations } = await load();
      const total = destinations.reduce((sum, d) => sum + (d.weight ?? 0), 0);
      return Object.fromEntries(
        slots.map((slot) => {
          const d = destinations.find((x) => slotOf(x) === slot);
          // one destination without a weight takes all traffic (both APIs default it so)
          return [slot, total === 0 ? (destinations.length === 1 && d ? 100 : 0) : (d?.weight ?? 0)];
        }),
      );
    },
    async set(weights, fence) {
      let read = await load();
      await fencedWrite({
        what: where,
        fence,
        read: async () => (read = await load()).metadata,
        write: (meta) => {
          for (const d of read.destinations) {
            const slot = slotOf(d);
            if (slot !== undefined) d.weight = weights[slot] ?? 0;
          }
          // a merge patch replaces lists whole: the first route is written back with every other field as read
          const key = router.type === 'istio' ? 'http' : 'rules';
          return client.patchCustom(ref, { ...withMeta(meta), spec: { [key]: read.list } }, 'merge');
        },
      });
      return `${where}: ${slots.map((slot) => `${slot} ${weights[slot] ?? 0}%`).join(', ')}`;
    },
  };
}

/**
 * A replica-ratio canary on plain Deployments: one Service selects the pods of both,
 * so each gets the share of traffic its share of replicas gives it. Raising comes
 * before lowering, so capacity never dips; a Deployment with any share keeps a pod.
 */
export function replicaTraffic(
  client: KubeClient,
  namespace: string,
  slots: [string, string],
  total: () => Promise<number>,
): TrafficControl {
  const replicasOf = async (slot: string) => (await client.readDeployment(namespace, slot))?.spec?.replicas ?? 0;
  return {
    slots,
    // the shared Service sends traffic to a pod once it is ready: a new release starts as one pod
    startReplicas: 1,
    async weights() {
      const counts = await Promise.all(slots.map(replicasOf));
      const sum = counts.reduce((a, b) => a + b, 0);
      return Object.fromEntries(
        slots.map((slot, i) => [slot, sum === 0 ? 0 : Math.round((100 * (counts[i] ?? 0)) / sum)]),
      );
    },
    async set(weights, fence) {
      const n = await total();
      const [a, b] = slots;
      const wa = weights[a] ?? 0;
      let ra = Math.round((n * wa) / 100);
      if (wa > 0 && ra === 0) ra = 1;
      if (wa < 100 && ra === n && n > 1) ra = n - 1;
      const target: Record<string, number> = { [a]: ra, [b]: (weights[b] ?? 0) > 0 ? Math.max(1, n - ra) : 0 };
      const now = Object.fromEntries(await Promise.all(slots.map(async (s) => [s, await replicasOf(s)] as const)));
      const order = [...slots].sort((x, y) => (target[y] ?? 0) - (now[y] ?? 0) - ((target[x] ?? 0) - (now[x] ?? 0)));
      for (const slot of order)
        await fencedWrite({
          what: `Deployment ${namespace}/${slot}`,
          fence,
          read: async () => (await client.readDeployment(namespace, slot))?.metadata,
          write: (meta) =>
            client.patchDeployment(
              namespace,
              slot,
              { ...withMeta(meta), spec: { replicas: target[slot] ?? 0 } },
              'merge',
            ),
        });
      return slots.map((slot) => `deployment ${namespace}/${slot}: ${target[slot] ?? 0} of ${n} replicas`).join(', ');
    },
  };
}
