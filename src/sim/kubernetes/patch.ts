import { badRequest, ApiError } from './api-error.js';
import type { Json, JsonObject } from './types.js';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge, null deletes, everything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function walk(doc: Json, tokens: string[], op: string, path: string): { parent: Json; key: string } {
  let node: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (next === undefined) throw jsonPatchError(op, path);
    node = next;
  }
  return { parent: node, key: tokens[tokens.length - 1] ?? '' };
}

/**
 * The API server answers a JSON patch that does not apply with a generic 422
 * (NewGenericServerResponse): a fixed message, the patch library's error as
 * the one cause, worded as evanphx/json-patch words it.
 */
function jsonPatchError(op: string, path: string, what = 'doc is missing path'): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [
      {
        reason: 'UnexpectedServerResponse',
        message: `${op} operation does not apply: ${what}: ${path}: missing value`,
      },
    ],
  });
}

function getAt(doc: Json, path: string, op: string): Json {
  let node: Json = doc;
  for (const t of pointer(path)) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    if (next === undefined) throw jsonPatchError(op, path);
    node = next;
  }
  return node;
}

function remove(doc: Json, path: string, op: string): Json {
  const { parent, key } = walk(doc, pointer(path), op, path);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!(index >= 0 && index < parent.length)) throw jsonPatchError(op, path);
    return parent.splice(index, 1)[0] as Json;
  }
  if (!isObject(parent) || !(key in parent)) throw jsonPatchError(op, path);
  const value = parent[key] as Json;
  delete parent[key];
  return value;
}

function add(doc: Json, path: string, value: Json, op: string, mustExist = false): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = walk(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!(index >= 0 && index <= parent.length) || (mustExist && index >= parent.length))
      throw jsonPatchError(op, path);
    if (mustExist) parent[index] = value;
    else parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    if (mustExist && !(key in parent)) throw jsonPatchError(op, path);
    parent[key] = value;
  } else throw jsonPatchError(op, path);
  return doc;
}

/** RFC 6902 JSON patch, with the API server's error wording for a missing path. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const raw of ops) {
    if (!isObject(raw)) throw badRequest('invalid JSON patch operation');
    const op = String(raw.op);
    const path = String(raw.path ?? '');
    const value = (raw.value ?? null) as Json;
    switch (op) {
      case 'add':
        doc = add(doc, path, structuredClone(value), op);
        break;
      case 'replace':
        if (pointer(path).length === 0) doc = structuredClone(value);
        else doc = add(doc, path, structuredClone(value), op, true);
        break;
      case 'remove':
        remove(doc, path, op);
        break;
      case 'move': {
        const moved = remove(doc, String(raw.from), op);
        doc = add(doc, path, moved, op);
        break;
      }
      case 'copy':
        doc = add(doc, path, structuredClone(getAt(doc, String(raw.from), op)), op);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path, op)) !== JSON.stringify(value)) {
          throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
            causes: [{ reason: 'UnexpectedServerResponse', message: `testing value ${path} failed: test failed` }],
          });
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}
