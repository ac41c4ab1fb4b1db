import type { V1ConfigMap, V1Deployment, V1Pod, V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import { withRetry } from './retry.js';

export type PatchType = 'merge' | 'strategic' | 'json';

/** Where a custom resource lives: its API group, version, plural, namespace and name. */
export interface CustomRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

/** Where the cluster is: a kubeconfig file, `$KUBECONFIG` / `~/.kube/config`, or the pod's service account. */
export interface KubeConnection {
  /** absolute path of a kubeconfig file; default `$KUBECONFIG`, `~/.kube/config`, then in-cluster */
  kubeconfig?: string;
  /** context to use; default the file's current-context */
  context?: string;
}

/**
 * The small part of the Kubernetes API the driver uses (STYLE.md: a `…Like`
 * interface). Reads of a missing object answer null; every call is retried on
 * conflicts, throttling, server errors and dropped connections.
 */
export interface KubeClient {
  readDeployment(namespace: string, name: string): Promise<V1Deployment | null>;
  patchDeployment(namespace: string, name: string, patch: unknown, type: PatchType): Promise<V1Deployment>;
  listReplicaSets(namespace: string, labelSelector: string): Promise<V1ReplicaSet[]>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): Promise<void>;
  /**
   * What a pod's container printed (`previous`: its run that terminated last), the newest
   * `tailLines` lines; null when the kubelet has none (no previous run, still being created)
   */
  readPodLog(
    namespace: string,
    name: string,
    container: string,
    options: { previous?: boolean; tailLines?: number },
  ): Promise<string | null>;
  readService(namespace: string, name: string): Promise<V1Service | null>;
  patchService(namespace: string, name: string, patch: unknown, type: PatchType): Promise<V1Service>;
  readConfigMap(namespace: string, name: string): Promise<V1ConfigMap | null>;
  /** creates the ConfigMap, or replaces its data when it exists */
  putConfigMap(namespace: string, configMap: V1ConfigMap): Promise<V1ConfigMap>;
  /** a custom resource (Istio VirtualService, Gateway API HTTPRoute) as plain JSON */
  readCustom(ref: CustomRef): Promise<Record<string, unknown> | null>;
  patchCustom(ref: CustomRef, patch: unknown, type: PatchType): Promise<Record<string, unknown>>;
  /**
   * Resolves at the next change of the named Deployment (a watch event), when the
   * watch drops, or after `maxWaitMs` — the caller re-reads either way, so a dropped
   * watch costs nothing but a re-read.
   */
  deploymentChanged(namespace: string, name: string, maxWaitMs: number, signal?: AbortSignal): Promise<void>;
  /** the API server's URL, for messages */
  readonly server: string;
}

const CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

const notFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (notFound(error)) return null;
    throw error;
  }
}

/** Connects with @kubernetes/client-node (loaded on first use: the CLI starts faster without it). */
export async function createKubeClient(connection: KubeConnection): Promise<KubeClient> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (connection.kubeconfig) kc.loadFromFile(connection.kubeconfig);
  else kc.loadFromDefault();
  if (connection.context) kc.setCurrentContext(connection.context);
  // plain http (`kubectl proxy`, a local simulator) has no TLS to verify, but the client refuses it unless told so
  if (kc.clusters.some((c) => c.server.startsWith('http://') && !c.skipTLSVerify)) {
    kc.loadFromOptions({
      clusters: kc.clusters.map((c) => (c.server.startsWith('http://') ? { ...c, skipTLSVerify: true } : c)),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
  }
  const server = kc.getCurrentCluster()?.server ?? 'no cluster';
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const watcher = new k8s.Watch(kc);
  const as = (type: PatchType) => k8s.setHeaderOptions('Content-Type', CONTENT_TYPE[type]);
  const body = (patch: unknown) => patch as object;
  // a patch with a resourceVersion is conditional: a 409 goes back to the caller, who re-reads
  const once = (patch: unknown) => ({
    retryConflicts: !(patch as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion,
  });

  return {
    server,
    readDeployment: (namespace, name) =>
      withRetry(() => orNull(() => apps.readNamespacedDeployment({ name, namespace }))),
    patchDeployment: (namespace, name, patch, type) =>
      withRetry(() => apps.patchNamespacedDeployment({ name, namespace, body: body(patch) }, as(type)), once(patch)),
    listReplicaSets: async (namespace, labelSelector) =>
      (await withRetry(() => apps.listNamespacedReplicaSet({ namespace, labelSelector }))).items,
    listPods: async (namespace, labelSelector) =>
      (await withRetry(() => core.listNamespacedPod({ namespace, labelSelector }))).items,
    async deletePod(namespace, name, gracePeriodSeconds) {
      await withRetry(() =>
        orNull(() =>
          core.deleteNamespacedPod({
            name,
            namespace,
            ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
          }),
        ),
      );
    },
    async readPodLog(namespace, name, container, options) {
      try {
        return await withRetry(() => core.readNamespacedPodLog({ name, namespace, container, ...options }));
      } catch (error) {
        // 400: the kubelet has no such run ("previous terminated container … not found", "waiting to start")
        if ([400, 404].includes((error as { code?: number }).code ?? 0)) return null;
        throw error;
      }
    },
    readService: (namespace, name) => withRetry(() => orNull(() => core.readNamespacedService({ name, namespace }))),
    patchService: (namespace, name, patch, type) =>
      withRetry(() => core.patchNamespacedService({ name, namespace, body: body(patch) }, as(type)), once(patch)),
    readConfigMap: (namespace, name) =>
      withRetry(() => orNull(() => core.readNamespacedConfigMap({ name, namespace }))),
    async putConfigMap(namespace, configMap) {
      const name = configMap.metadata?.name ?? '';
      const existing = await withRetry(() => orNull(() => core.readNamespacedConfigMap({ name, namespace })));
      if (!existing) return withRetry(() => core.createNamespacedConfigMap({ namespace, body: configMap }));
      return withRetry(() =>
        core.patchNamespacedConfigMap(
          {
            name,
            namespace,
            // `add` replaces a member that exists and creates one that does not
            body: [
              { op: 'add', path: '/data', value: configMap.data ?? {} },
              ...(configMap.binaryData ? [{ op: 'add', path: '/binaryData', value: configMap.binaryData }] : []),
            ],
          },
          as('json'),
        ),
      );
    },
    readCustom: (ref) =>
      withRetry(() => orNull(async () => (await custom.getNamespacedCustomObject(ref)) as Record<string, unknown>)),
    patchCustom: (ref, patch, type) =>
      withRetry(
        async () =>
          (await custom.patchNamespacedCustomObject({ ...ref, body: body(patch) }, as(type))) as Record<
            string,
            unknown
          >,
        once(patch),
      ),
    deploymentChanged(namespace, name, maxWaitMs, signal) {
      return new Promise<void>((resolve) => {
        let stop: AbortController | null = null;
        let settled = false;
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', finish);
          stop?.abort();
          resolve();
        };
        const timer = setTimeout(finish, maxWaitMs);
        signal?.addEventListener('abort', finish, { once: true });
        let first = true;
        watcher
          .watch(
            `/apis/apps/v1/namespaces/${namespace}/deployments`,
            { fieldSelector: `metadata.name=${name}` },
            () => {
              // the first event is the object as it is now (ADDED): only later ones are changes
              if (first) first = false;
              else finish();
            },
            () => finish(),
          )
          .then((controller) => {
            stop = controller;
            if (settled) controller.abort();
          })
          .catch(finish);
      });
    },
  };
}
