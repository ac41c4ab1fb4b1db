import type { ResourceType } from './resources.js';
import { selectorString } from './selectors.js';
import type { ContainerStatus, Deployment, KubeObject, Pod, ReplicaSet, Service } from './types.js';

/** Go's duration.HumanDuration, the AGE column's wording (`45s`, `2m3s`, `12m`, `3h5m`, `2d`). */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const age = (o: KubeObject) =>
  humanAge(Date.now() - Date.parse(o.metadata.creationTimestamp ?? new Date().toISOString()));

function podStatusWord(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  const waiting = p.status?.containerStatuses
    ?.map((c) => (c.state.waiting as { reason?: string } | undefined)?.reason)
    .find(Boolean);
  return waiting ?? p.status?.phase ?? 'Pending';
}

function restarts(statuses: ContainerStatus[]): string {
  const count = statuses.reduce((n, c) => n + c.restartCount, 0);
  const last = statuses
    .map((c) => (c.lastState.terminated as { finishedAt?: string } | undefined)?.finishedAt)
    .filter((t): t is string => Boolean(t))
    .sort()
    .at(-1);
  return last ? `${count} (${humanAge(Date.now() - Date.parse(last))} ago)` : String(count);
}

type Columns = { name: string; type?: string; priority?: number }[];

/** Columns and cells per kind, as the API server's built-in printers give kubectl (priority 1 = `-o wide`). */
function describe(kind: string): { columns: Columns; cells: (o: KubeObject) => (string | number)[] } {
  switch (kind) {
    case 'Deployment':
      return {
        columns: [
          { name: 'Ready' },
          { name: 'Up-to-date', type: 'integer' },
          { name: 'Available', type: 'integer' },
          { name: 'Age' },
          { name: 'Containers', priority: 1 },
          { name: 'Images', priority: 1 },
          { name: 'Selector', priority: 1 },
        ],
        cells: (o) => {
          const d = o as Deployment;
          const cs = d.spec.template.spec.containers;
          return [
            `${d.status?.readyReplicas ?? 0}/${d.spec.replicas}`,
            d.status?.updatedReplicas ?? 0,
            d.status?.availableReplicas ?? 0,
            age(d),
            cs.map((c) => c.name).join(','),
            cs.map((c) => c.image).join(','),
            selectorString(d.spec.selector),
          ];
        },
      };
    case 'ReplicaSet':
      return {
        columns: [
          { name: 'Desired', type: 'integer' },
          { name: 'Current', type: 'integer' },
          { name: 'Ready', type: 'integer' },
          { name: 'Age' },
          { name: 'Containers', priority: 1 },
          { name: 'Images', priority: 1 },
          { name: 'Selector', priority: 1 },
        ],
        cells: (o) => {
          const rs = o as ReplicaSet;
          const cs = rs.spec.template.spec.containers;
          return [
            rs.spec.replicas,
            rs.status?.replicas ?? 0,
            rs.status?.readyReplicas ?? 0,
            age(rs),
            cs.map((c) => c.name).join(','),
            cs.map((c) => c.image).join(','),
            selectorString(rs.spec.selector),
          ];
        },
      };
    case 'Pod':
      return {
        columns: [
          { name: 'Ready' },
          { name: 'Status' },
          { name: 'Restarts' },
          { name: 'Age' },
          { name: 'IP', priority: 1 },
          { name: 'Node', priority: 1 },
          { name: 'Nominated Node', priority: 1 },
          { name: 'Readiness Gates', priority: 1 },
        ],
        cells: (o) => {
          const p = o as Pod;
          const statuses = p.status?.containerStatuses ?? [];
          return [
            `${statuses.filter((c) => c.ready).length}/${p.spec.containers.length}`,
            podStatusWord(p),
            restarts(statuses),
            age(p),
            p.status?.podIP ?? '<none>',
            (p.spec.nodeName as string | undefined) ?? '<none>',
            '<none>',
            '<none>',
          ];
        },
      };
    case 'Service':
      return {
        columns: [
          { name: 'Type' },
          { name: 'Cluster-IP' },
          { name: 'External-IP' },
          { name: 'Port(s)' },
          { name: 'Age' },
          { name: 'Selector', priority: 1 },
        ],
        cells: (o) => {
          const s = o as Service;
          const ports = (s.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
          const selector =
            Object.entries(s.spec.selector ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join(',') || '<none>';
          return [s.spec.type ?? 'ClusterIP', s.spec.clusterIP ?? '<none>', '<none>', ports, age(s), selector];
        },
      };
    default:
      return { columns: [{ name: 'Age' }], cells: (o) => [age(o)] };
  }
}

/** True when the client asked for a `meta.k8s.io` Table (kubectl get without -o). */
export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? '');
}

/** A `Table` of objects: a Name column, the kind's columns, and each row's object metadata. */
export function toTable(type: ResourceType, objects: KubeObject[], resourceVersion: string): Record<string, unknown> {
  const { columns, cells } = describe(type.kind);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      ...columns.map((c) => ({
        name: c.name,
        type: c.type ?? 'string',
        format: '',
        description: c.name,
        priority: c.priority ?? 0,
      })),
    ],
    rows: objects.map((o) => ({
      cells: [o.metadata.name ?? '', ...cells(o)],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
