import { findType } from './resources.js';
import { isPodReady, isTerminating } from './pod-lifecycle.js';
import type { ObjectStore } from './store.js';
import type { KubeObject, Pod, Service } from './types.js';

const SERVICES = findType('', 'v1', 'services')!;
const ENDPOINTS = findType('', 'v1', 'endpoints')!;
const PODS = findType('', 'v1', 'pods')!;

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function targetPort(svcPort: { port: number; targetPort?: number | string }, pod: Pod): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers) {
    const named = c.ports?.find((p) => p.name === target);
    if (named) return named.containerPort;
  }
  return undefined;
}

/**
 * The Endpoints controller: for every Service with a selector, an Endpoints
 * object of the same name listing ready pods under `addresses` and the others
 * under `notReadyAddresses`; terminating pods drop out at once. Services
 * without a selector keep whatever Endpoints the user wrote.
 */
export class EndpointsController {
  /** Endpoints this controller made (`namespace/name`): only these go when their Service does. */
  private readonly managed = new Set<string>();

  constructor(private readonly store: ObjectStore) {}

  syncAll(): void {
    const services = this.store.list(SERVICES) as Service[];
    for (const svc of services) {
      const selector = svc.spec.selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      this.sync(svc, selector);
    }
    for (const ep of this.store.list(ENDPOINTS)) {
      const svc = services.find(
        (s) => s.metadata.namespace === ep.metadata.namespace && s.metadata.name === ep.metadata.name,
      );
      const key = `${ep.metadata.namespace}/${ep.metadata.name}`;
      if (!svc && this.managed.delete(key)) {
        this.store.delete(ENDPOINTS, ep.metadata.namespace, ep.metadata.name ?? '');
      }
    }
  }

  private sync(svc: Service, selector: Record<string, string>): void {
    const pods = (this.store.list(PODS, svc.metadata.namespace) as Pod[])
      .filter((p) => matches(selector, p.metadata.labels) && !isTerminating(p) && p.status?.podIP)
      .sort((a, b) => (a.status?.podIP ?? '').localeCompare(b.status?.podIP ?? '', 'en', { numeric: true }));
    const address = (p: Pod) => ({
      ip: p.status?.podIP ?? '',
      nodeName: (p.spec.nodeName as string | undefined) ?? 'sim-node-1',
      targetRef: {
        kind: 'Pod',
        namespace: p.metadata.namespace ?? '',
        name: p.metadata.name ?? '',
        uid: p.metadata.uid ?? '',
      },
    });
    const ready = pods.filter(isPodReady).map(address);
    const notReady = pods.filter((p) => !isPodReady(p)).map(address);
    const sample = pods[0];
    const ports = (svc.spec.ports ?? []).map((sp) => {
      const port: Record<string, unknown> = {
        port: sample ? (targetPort(sp, sample) ?? sp.port) : sp.port,
        protocol: sp.protocol ?? 'TCP',
      };
      if (sp.name) port.name = sp.name;
      return port;
    });
    const subset: Record<string, unknown> = {};
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    subset.ports = ports;
    const want: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: svc.metadata.name,
        namespace: svc.metadata.namespace,
        labels: svc.metadata.labels,
      },
    };
    if (!want.metadata.labels) delete want.metadata.labels;
    if (pods.length) want.subsets = [subset];
    this.managed.add(`${svc.metadata.namespace}/${svc.metadata.name}`);
    const current = this.store.get(ENDPOINTS, svc.metadata.namespace, svc.metadata.name ?? '');
    if (!current) {
      this.store.create(ENDPOINTS, want);
      return;
    }
    if (
      JSON.stringify(current.subsets) === JSON.stringify(want.subsets) &&
      JSON.stringify(current.metadata.labels) === JSON.stringify(want.metadata.labels)
    )
      return;
    this.store.update(ENDPOINTS, { ...want, metadata: { ...current.metadata, labels: want.metadata.labels } });
  }
}
