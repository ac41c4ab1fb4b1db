/**
 * The resource types the simulated API server knows, as discovery describes
 * them. Each entry names where the objects live (group, versions, plural) so
 * routing, discovery and storage read one table.
 */
export interface ResourceType {
  group: string;
  /** served versions; the first is the preferred (and storage) version */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  subresources?: ('status' | 'scale')[];
  /** spec changes bump metadata.generation, as for workloads and custom resources */
  generation?: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: ResourceType[] = [
  {
    group: '',
    versions: ['v1'],
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    subresources: ['status'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    subresources: ['status'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    shortNames: ['ep'],
  },
  {
    group: '',
    versions: ['v1'],
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  { group: '', versions: ['v1'], plural: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true },
  {
    group: '',
    versions: ['v1'],
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  },
  {
    group: 'apps',
    versions: ['v1'],
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    subresources: ['status', 'scale'],
    generation: true,
  },
  {
    group: 'apps',
    versions: ['v1'],
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    subresources: ['status', 'scale'],
    generation: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    plural: 'roles',
    singular: 'role',
    kind: 'Role',
    namespaced: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    plural: 'rolebindings',
    singular: 'rolebinding',
    kind: 'RoleBinding',
    namespaced: true,
  },
  {
    group: 'coordination.k8s.io',
    versions: ['v1'],
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
  },
  {
    group: 'networking.istio.io',
    versions: ['v1', 'v1beta1'],
    plural: 'virtualservices',
    singular: 'virtualservice',
    kind: 'VirtualService',
    namespaced: true,
    shortNames: ['vs'],
    generation: true,
  },
  {
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'httproutes',
    singular: 'httproute',
    kind: 'HTTPRoute',
    namespaced: true,
    generation: true,
  },
];

export function verbsFor(type: ResourceType): string[] {
  return type.plural === 'namespaces' ? ALL_VERBS.filter((v) => v !== 'deletecollection') : ALL_VERBS;
}

export function findType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
}

export function typeOfKind(kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.kind === kind);
}

export function apiVersionOf(type: ResourceType, version = type.versions[0] ?? 'v1'): string {
  return type.group ? `${type.group}/${version}` : version;
}

/** `deployments.apps`, `pods`: how the API server names a resource in messages. */
export function qualifiedName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** `Deployment.apps`: how validation errors name a kind. */
export function qualifiedKind(type: ResourceType): string {
  return type.group ? `${type.kind}.${type.group}` : type.kind;
}
