import type { Container, Deployment, KubeObject, PodTemplate, Service } from './types.js';

type Spec = Record<string, unknown>;

function defaultContainer(c: Container): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  const tag = imageTag(c.image ?? '');
  c.imagePullPolicy ??= tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
}

/** Pod spec defaults the API server fills in (SetDefaults_PodSpec and friends). */
export function defaultPodSpec(spec: Spec & { containers?: Container[] }): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of (spec.initContainers as Container[] | undefined) ?? []) defaultContainer(c);
}

export function defaultTemplate(template: PodTemplate | undefined): void {
  if (!template) return;
  template.metadata ??= {};
  // Real templates carry `creationTimestamp: null`; kept so `get -o json` reads the same.
  (template.metadata as Record<string, unknown>).creationTimestamp ??= null;
  template.spec ??= { containers: [] };
  defaultPodSpec(template.spec);
}

/** The tag of an image reference (`reg:5000/app:v2` → `v2`); empty when none. */
export function imageTag(image: string): string {
  const noDigest = image.split('@')[0] ?? '';
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(colon + 1) : '';
}

let nextClusterIp = 10;

/** Applies the defaults of one kind, in place, before validation and storage. */
export function applyDefaults(kind: string, obj: KubeObject): void {
  const spec = (obj.spec ?? {}) as Spec;
  switch (kind) {
    case 'Namespace':
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
      obj.spec = { finalizers: ['kubernetes'], ...spec };
      obj.status ??= { phase: 'Active' };
      break;
    case 'Deployment':
    case 'ReplicaSet': {
      const d = obj as Deployment;
      d.spec = spec as Deployment['spec'];
      d.spec.replicas ??= 1;
      if (kind === 'Deployment') {
        d.spec.strategy ??= { type: 'RollingUpdate' };
        if (d.spec.strategy.type === 'RollingUpdate') {
          d.spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...d.spec.strategy.rollingUpdate };
        }
        d.spec.revisionHistoryLimit ??= 10;
        d.spec.progressDeadlineSeconds ??= 600;
      }
      defaultTemplate(d.spec.template);
      obj.status ??= {};
      break;
    }
    case 'Pod':
      obj.spec = spec;
      defaultPodSpec(spec);
      break;
    case 'Service': {
      const s = obj as Service;
      s.spec = spec as Service['spec'];
      s.spec.type ??= 'ClusterIP';
      s.spec.sessionAffinity ??= 'None';
      if (s.spec.type !== 'ExternalName' && !s.spec.clusterIP) {
        s.spec.clusterIP = `10.96.${Math.floor(nextClusterIp / 250)}.${(nextClusterIp % 250) + 1}`;
        nextClusterIp++;
      }
      if (s.spec.clusterIP && !s.spec.clusterIPs) s.spec.clusterIPs = [s.spec.clusterIP];
      s.spec.ipFamilies ??= ['IPv4'];
      s.spec.ipFamilyPolicy ??= 'SingleStack';
      s.spec.internalTrafficPolicy ??= 'Cluster';
      for (const p of s.spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      obj.status ??= { loadBalancer: {} };
      break;
    }
    case 'Secret': {
      obj.type ??= 'Opaque';
      const stringData = obj.stringData as Record<string, string> | undefined;
      if (stringData) {
        const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v).toString('base64');
        obj.data = data;
        delete obj.stringData;
      }
      break;
    }
  }
}
