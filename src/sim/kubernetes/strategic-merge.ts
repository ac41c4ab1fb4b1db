import type { Json, JsonObject } from './types.js';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `patchMergeKey` of the core API's lists that merge instead of being
 * replaced (from the Go types' struct tags). `ports` merges by
 * `containerPort` in a container and by `port` in a Service.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
};

/** Lists of scalars that merge as sets (`patchStrategy:"merge"`). */
const PRIMITIVE_MERGE = new Set(['finalizers']);

function mergeKeyOf(field: string, items: Json[]): string | undefined {
  if (field === 'ports') {
    const sample = items.find(isObject);
    return sample && 'containerPort' in sample ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function mergeList(field: string, current: Json[], patch: Json[], order: Json[] | undefined): Json[] {
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map((p) => structuredClone(p));
  }
  if (PRIMITIVE_MERGE.has(field)) {
    const out = [...current];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  const key = mergeKeyOf(field, [...patch, ...current]);
  if (!key) return patch.map((p) => structuredClone(p));
  const out = current.map((c) => structuredClone(c));
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = out.findIndex((c) => isObject(c) && c[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) out[index] = strategicMerge(out[index] ?? null, item);
    else out.push(strategicMerge(null, item));
  }
  if (order) {
    // `$setElementOrder` lists the keys in their wanted order; items it leaves out keep their place after.
    const rank = (v: Json) => {
      const i = order.findIndex((o) => isObject(o) && isObject(v) && o[key] === v[key]);
      return i < 0 ? order.length : i;
    };
    out.sort((a, b) => rank(a) - rank(b));
  }
  return out;
}

/**
 * A strategic merge patch as the API server applies it to the built-in kinds:
 * maps merge, lists with a merge key merge item by item, `null` deletes, and
 * the `$patch`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…` and
 * `$retainKeys` directives kubectl sends are honoured.
 */
export function strategicMerge(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'delete') return null;
  if (patch.$patch === 'replace') {
    const copy = structuredClone(patch);
    delete copy.$patch;
    return copy;
  }
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      const order = patch[`$setElementOrder/${key}`];
      const current = out[key];
      out[key] = mergeList(key, Array.isArray(current) ? current : [], value, Array.isArray(order) ? order : undefined);
    } else if (isObject(value)) {
      const merged = strategicMerge(out[key] ?? null, value);
      if (merged === null) delete out[key];
      else out[key] = merged;
    } else out[key] = value;
  }
  for (const [key, value] of Object.entries(patch)) {
    const del = /^\$deleteFromPrimitiveList\/(.+)$/.exec(key);
    if (del && Array.isArray(value) && Array.isArray(out[del[1]!])) {
      out[del[1]!] = (out[del[1]!] as Json[]).filter((v) => !value.includes(v));
    }
    const order = /^\$setElementOrder\/(.+)$/.exec(key);
    if (order && !(order[1]! in patch) && Array.isArray(value) && Array.isArray(out[order[1]!])) {
      out[order[1]!] = mergeList(order[1]!, out[order[1]!] as Json[], [], value);
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(out)) if (!keep.has(key)) delete out[key];
  }
  return out;
}
