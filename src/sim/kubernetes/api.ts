import { ApiError, badRequest, notFound } from './api-error.js';
import { applyDefaults } from './defaults.js';
import { jsonPatch, mergePatch } from './patch.js';
import type { ResourceType } from './resources.js';
import { RESOURCE_TYPES, apiVersionOf, findType } from './resources.js';
import { ObjectStore } from './store.js';
import { strategicMerge } from './strategic-merge.js';
import { randomSuffix } from './template-hash.js';
import type { Json, KubeObject } from './types.js';
import { validate } from './validate.js';

export type PatchType = 'json' | 'merge' | 'strategic';

/** What part of an object a write may change: the main resource keeps status, `/status` keeps the rest. */
export type Part = 'main' | 'status';

export interface WriteOptions {
  part?: Part;
  /** `dryRun=All`: everything but the write */
  dryRun?: boolean;
}

const NAMESPACES = findType('', 'v1', 'namespaces')!;

/**
 * The API server's write path without HTTP: defaulting, validation,
 * namespace checks, optimistic concurrency, cascading deletes. The HTTP
 * layer and the simulated controllers both go through it.
 */
export class KubeApi {
  readonly store = new ObjectStore();
  private readonly listeners: (() => void)[] = [];

  constructor() {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }

  /** Called after every successful write, so controllers can react. */
  onWrite(listener: () => void): void {
    this.listeners.push(listener);
  }

  private written(): void {
    for (const l of this.listeners) l();
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    const ns = this.store.get(NAMESPACES, undefined, namespace ?? '');
    if (!ns) throw notFound(NAMESPACES, namespace ?? '');
  }

  private prepare(type: ResourceType, namespace: string | undefined, obj: KubeObject, old?: KubeObject): KubeObject {
    if (typeof obj !== 'object' || obj === null || typeof obj.metadata !== 'object' || obj.metadata === null) {
      obj = { ...(obj ?? {}), metadata: {} };
    }
    if (type.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else delete obj.metadata.namespace;
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    if (old && type.kind === 'Service') {
      // An update without a clusterIP keeps the allocated one, as the service registry does.
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      const before = old.spec as Record<string, unknown>;
      spec.clusterIP ??= before.clusterIP;
      spec.clusterIPs ??= before.clusterIPs;
      obj.spec = spec;
    }
    applyDefaults(type.kind, obj);
    validate(type, obj, old);
    return obj;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return this.store.mustGet(type, namespace, name);
  }

  create(type: ResourceType, namespace: string | undefined, input: KubeObject, options: WriteOptions = {}): KubeObject {
    const obj = structuredClone(input);
    if (obj.metadata && !obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    }
    this.checkNamespace(type, namespace ?? obj.metadata?.namespace);
    const ready = this.prepare(type, namespace, obj);
    delete ready.metadata.resourceVersion;
    if (type.kind !== 'Namespace' && type.kind !== 'Service') delete ready.status;
    if (type.kind === 'Deployment' || type.kind === 'ReplicaSet') ready.status = {};
    if (options.dryRun) return ready;
    const stored = this.store.create(type, ready);
    this.written();
    return stored;
  }

  update(type: ResourceType, namespace: string | undefined, input: KubeObject, options: WriteOptions = {}): KubeObject {
    const name = input.metadata?.name ?? '';
    const current = this.store.mustGet(type, namespace, name);
    const obj = structuredClone(input);
    if (options.part === 'status') {
      const merged: KubeObject = { ...current, status: obj.status };
      merged.metadata = { ...current.metadata, resourceVersion: obj.metadata?.resourceVersion };
      return this.write(type, merged, { ...options, statusOnly: true });
    }
    const ready = this.prepare(type, namespace, obj, current);
    if ('status' in current) ready.status = current.status;
    else delete ready.status;
    // Fields the server owns survive a client's replace.
    ready.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    if (ready.metadata.deletionTimestamp === undefined) delete ready.metadata.deletionTimestamp;
    return this.write(type, ready, options);
  }

  private write(type: ResourceType, obj: KubeObject, options: WriteOptions & { statusOnly?: boolean }): KubeObject {
    if (options.dryRun) return obj;
    const stored = this.store.update(type, obj, { statusOnly: options.statusOnly ?? false });
    this.written();
    return stored;
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: Json,
    options: WriteOptions = {},
  ): KubeObject {
    const current = this.store.mustGet(type, namespace, name);
    const base = current as unknown as Json;
    let patched: Json;
    if (patchType === 'json') patched = jsonPatch(base, body);
    else if (patchType === 'merge') patched = mergePatch(base, body);
    else if (
      !type.group ||
      type.group === 'apps' ||
      type.group === 'rbac.authorization.k8s.io' ||
      type.group === 'coordination.k8s.io'
    ) {
      patched = strategicMerge(base, body);
    } else {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    }
    const obj = patched as unknown as KubeObject;
    // A patch carrying no resourceVersion is unconditional: it applies to what was read.
    obj.metadata ??= {};
    obj.metadata.resourceVersion ??= current.metadata.resourceVersion;
    if (obj.metadata.name !== name) throw badRequest('the name of the object and the name in the request do not match');
    return this.update(type, namespace, obj, options);
  }

  /**
   * Deletes an object. Pods with a grace period are marked terminating and
   * removed by the pod lifecycle; other kinds go at once and their
   * dependents follow (background propagation) or are orphaned.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: { gracePeriodSeconds?: number; propagationPolicy?: string; dryRun?: boolean } = {},
  ): KubeObject {
    const current = this.store.mustGet(type, namespace, name);
    if (opts.dryRun) return current;
    if (type.kind === 'Pod') {
      const grace =
        opts.gracePeriodSeconds ??
        (current.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ??
        30;
      if (grace > 0) {
        if (current.metadata.deletionTimestamp) return current;
        current.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        current.metadata.deletionGracePeriodSeconds = grace;
        const marked = this.store.update(type, current);
        this.written();
        return marked;
      }
    }
    if (type.kind === 'Namespace') {
      for (const t of RESOURCE_TYPES.filter((t) => t.namespaced)) {
        for (const o of this.store.list(t, name)) this.store.delete(t, name, o.metadata.name ?? '');
      }
    }
    const gone = this.store.delete(type, namespace, name);
    this.cascade(gone, opts.propagationPolicy ?? 'Background');
    this.written();
    return gone;
  }

  private cascade(owner: KubeObject, policy: string): void {
    for (const { type, obj } of this.store.dependents(owner.metadata.uid ?? '', RESOURCE_TYPES)) {
      if (policy === 'Orphan') {
        obj.metadata.ownerReferences = obj.metadata.ownerReferences?.filter((r) => r.uid !== owner.metadata.uid);
        if (obj.metadata.ownerReferences?.length === 0) delete obj.metadata.ownerReferences;
        this.store.update(type, obj);
      } else {
        const gone = this.store.delete(type, obj.metadata.namespace, obj.metadata.name ?? '');
        this.cascade(gone, policy);
      }
    }
  }
}
