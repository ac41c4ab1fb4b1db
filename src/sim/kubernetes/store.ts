import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, conflict, notFound } from './api-error.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: WatchEventType;
  type_: ResourceType;
  object: KubeObject;
  resourceVersion: number;
}

/** How many past events a watch may resume from before it gets 410 Gone. */
const HISTORY = 20_000;

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The simulated etcd: objects by resource type, namespace and name, one
 * global resourceVersion counter, and a bounded event history so a watch can
 * resume from a resourceVersion as it does against a real API server.
 */
export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoredEvent[] = [];
  private revision = 1;
  private compactedAt = 0;
  readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can still resume after. */
  get oldestWatchable(): number {
    const kept = this.history[0] ? this.history[0].resourceVersion - 1 : this.revision;
    return Math.max(kept, this.compactedAt);
  }

  /** Forgets the event history, as etcd compaction does: older watches now get 410 Expired. */
  compact(): void {
    this.history.length = 0;
    this.compactedAt = this.revision;
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = `${type.group}/${type.plural}`;
    let bucket = this.objects.get(key);
    if (!bucket) this.objects.set(key, (bucket = new Map()));
    return bucket;
  }

  private static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(type).get(ObjectStore.key(namespace, name));
    return found ? clone(found) : undefined;
  }

  mustGet(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.get(type, namespace, name);
    if (!found) throw notFound(type, name);
    return found;
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...this.bucket(type).values()].filter((o) => !namespace || o.metadata.namespace === namespace);
    return all.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')).map(clone);
  }

  /** Since: events after a resourceVersion, or an error when history no longer reaches back that far. */
  since(resourceVersion: number): StoredEvent[] {
    if (resourceVersion < this.oldestWatchable) {
      throw new ApiError(410, 'Expired', `too old resource version: ${resourceVersion} (${this.oldestWatchable})`);
    }
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  private record(type: WatchEventType, resourceType: ResourceType, object: KubeObject): void {
    const event = { type, type_: resourceType, object: clone(object), resourceVersion: this.revision };
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    this.events.emit('event', event);
  }

  create(type: ResourceType, obj: KubeObject): KubeObject {
    const name = obj.metadata.name ?? '';
    const key = ObjectStore.key(obj.metadata.namespace, name);
    const bucket = this.bucket(type);
    if (bucket.has(key)) throw alreadyExists(type, name);
    this.revision++;
    const stored = clone(obj);
    stored.metadata.uid = randomUUID();
    stored.metadata.resourceVersion = String(this.revision);
    stored.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (type.generation) stored.metadata.generation = 1;
    bucket.set(key, stored);
    this.record('ADDED', type, stored);
    return clone(stored);
  }

  /**
   * Replaces an object. A resourceVersion in the new object must match the
   * stored one (optimistic concurrency: 409 Conflict otherwise); an empty
   * one means "unconditionally", as for PUT without resourceVersion.
   * `statusOnly` writes (the status subresource, controllers) never bump
   * metadata.generation.
   */
  update(type: ResourceType, obj: KubeObject, options: { statusOnly?: boolean } = {}): KubeObject {
    const name = obj.metadata.name ?? '';
    const key = ObjectStore.key(obj.metadata.namespace, name);
    const bucket = this.bucket(type);
    const current = bucket.get(key);
    if (!current) throw notFound(type, name);
    const wanted = obj.metadata.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(type, name);
    const stored = clone(obj);
    stored.metadata.uid = current.metadata.uid;
    stored.metadata.creationTimestamp = current.metadata.creationTimestamp;
    if (type.generation && options.statusOnly) stored.metadata.generation = current.metadata.generation;
    else if (type.generation) {
      // A Deployment's annotations are copied to its ReplicaSets, so they bump the generation too.
      const annotationsCount = type.kind === 'Deployment';
      const specChanged =
        JSON.stringify(stored.spec) !== JSON.stringify(current.spec) ||
        (annotationsCount &&
          JSON.stringify(stored.metadata.annotations ?? {}) !== JSON.stringify(current.metadata.annotations ?? {}));
      stored.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    }
    if (
      JSON.stringify({ ...stored, metadata: { ...stored.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: '' } })
    ) {
      // A no-op write keeps its resourceVersion and sends no event, as etcd-backed storage does.
      return clone(current);
    }
    this.revision++;
    stored.metadata.resourceVersion = String(this.revision);
    bucket.set(key, stored);
    this.record('MODIFIED', type, stored);
    return clone(stored);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const bucket = this.bucket(type);
    const key = ObjectStore.key(namespace, name);
    const current = bucket.get(key);
    if (!current) throw notFound(type, name);
    bucket.delete(key);
    this.revision++;
    const gone = clone(current);
    gone.metadata.resourceVersion = String(this.revision);
    this.record('DELETED', type, gone);
    return gone;
  }

  /** Every object (of any type) whose owner references name this uid. */
  dependents(uid: string, types: ResourceType[]): { type: ResourceType; obj: KubeObject }[] {
    const out: { type: ResourceType; obj: KubeObject }[] = [];
    for (const type of types) {
      for (const obj of this.bucket(type).values()) {
        if (obj.metadata.ownerReferences?.some((r) => r.uid === uid)) out.push({ type, obj: clone(obj) });
      }
    }
    return out;
  }
}
