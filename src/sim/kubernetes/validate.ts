import type { FieldCause } from './api-error.js';
import type { ResourceType } from './resources.js';
import { invalid } from './api-error.js';
import { selectorMatcher } from './selectors.js';
import type { Deployment, KubeObject, Service } from './types.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function goMap(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return `map[string]string{${entries.map(([k, v]) => `"${k}":"${v}"`).join(', ')}}`;
}

function workload(obj: Deployment, causes: FieldCause[]): void {
  const spec = obj.spec;
  if (spec.replicas < 0)
    causes.push({
      field: 'spec.replicas',
      message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0`,
    });
  const hasSelector =
    Object.keys(spec.selector?.matchLabels ?? {}).length + (spec.selector?.matchExpressions?.length ?? 0) > 0;
  if (!hasSelector) {
    causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
  } else if (!selectorMatcher(spec.selector)(spec.template?.metadata?.labels)) {
    causes.push({
      field: 'spec.template.metadata.labels',
      message: `Invalid value: ${goMap(spec.template?.metadata?.labels)}: \`selector\` does not match template \`labels\``,
    });
  }
  const containers = spec.template?.spec?.containers ?? [];
  if (containers.length === 0) {
    causes.push({ field: 'spec.template.spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
  }
  containers.forEach((c, i) => {
    if (!c.name)
      causes.push({
        field: `spec.template.spec.containers[${i}].name`,
        message: 'Required value',
        reason: 'FieldValueRequired',
      });
    if (!c.image)
      causes.push({
        field: `spec.template.spec.containers[${i}].image`,
        message: 'Required value',
        reason: 'FieldValueRequired',
      });
  });
}

/**
 * The checks clients meet in practice (names, selectors matching templates,
 * required containers and ports, immutable selectors), answered as 422
 * Invalid with the real server's field paths and wording.
 */
export function validate(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
  const causes: FieldCause[] = [];
  const name = obj.metadata.name ?? '';
  if (!name) {
    causes.push({
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
      reason: 'FieldValueRequired',
    });
  } else {
    const pattern = type.kind === 'Namespace' || type.kind === 'Service' ? DNS_LABEL : DNS_SUBDOMAIN;
    if (!pattern.test(name) || name.length > 253) {
      const rule =
        pattern === DNS_LABEL
          ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
          : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
      causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": ${rule}` });
    }
  }
  if (type.kind === 'Deployment' || type.kind === 'ReplicaSet') {
    workload(obj as Deployment, causes);
    const before = old as Deployment | undefined;
    if (before && JSON.stringify(before.spec.selector) !== JSON.stringify((obj as Deployment).spec.selector)) {
      causes.push({
        field: 'spec.selector',
        message: `Invalid value: ${JSON.stringify((obj as Deployment).spec.selector)}: field is immutable`,
      });
    }
  }
  if (type.kind === 'Service') {
    const spec = (obj as Service).spec;
    if (spec.type !== 'ExternalName' && (spec.ports ?? []).length === 0 && spec.clusterIP !== 'None') {
      causes.push({ field: 'spec.ports', message: 'Required value', reason: 'FieldValueRequired' });
    }
    const before = old as Service | undefined;
    if (before?.spec.clusterIP && spec.clusterIP && before.spec.clusterIP !== spec.clusterIP) {
      causes.push({
        field: 'spec.clusterIPs[0]',
        message: 'Invalid value: []string{"' + spec.clusterIP + '"}: may not change once set',
      });
    }
  }
  if (type.kind === 'Pod' && ((obj.spec as { containers?: unknown[] } | undefined)?.containers ?? []).length === 0) {
    causes.push({ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
  }
  if (causes.length > 0) throw invalid(type, name, causes);
}
