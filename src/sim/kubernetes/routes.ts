import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeApi, PatchType } from './api.js';
import { ApiError, badRequest, conflict, methodNotAllowed } from './api-error.js';
import { discovery } from './discovery.js';
import { openApi } from './openapi.js';
import type { ResourceType } from './resources.js';
import { apiVersionOf, findType } from './resources.js';
import { scaleOf, setScale } from './scale.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Json, KubeObject, Pod } from './types.js';
import { sendPodLog } from './pod-logs.js';
import { streamWatch } from './watch-stream.js';
import { toTable, wantsTable } from './table.js';

interface Target {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  sub?: string;
}

/** `/api/v1/namespaces/ns/pods/name/status` → what it addresses; undefined when it is not a resource path. */
function parseTarget(path: string): Target | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) [version, rest] = [parts[1]!, parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4) [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(group === '' && rest.length === 3 && ['status', 'finalize'].includes(rest[2]!))
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = findType(group, version, rest[0] ?? '');
  if (!type) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  return { type, version, namespace, name: rest[1], sub: rest[2] };
}

async function readBody(req: IncomingMessage): Promise<Json> {
  const type = req.headers['content-type'] ?? 'application/json';
  if (!/json|yaml/.test(type)) {
    // Protobuf and CBOR bodies are not understood: 415 as a server without that codec answers.
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw badRequest(
      `the body of the request was in an unknown format - accepted media types include: application/json`,
    );
  }
}

function patchTypeOf(contentType: string | undefined): PatchType {
  if (contentType?.startsWith('application/json-patch+json')) return 'json';
  if (contentType?.startsWith('application/merge-patch+json')) return 'merge';
  if (contentType?.startsWith('application/strategic-merge-patch+json')) return 'strategic';
  throw new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
  );
}

export function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Audit-Id': 'simulated',
  });
  res.end(text);
}

const builtin = (t: ResourceType) => !t.group || t.group === 'apps' || t.group.endsWith('k8s.io');

/** Faults a test can ask for: the next N writes answer 409 Conflict as if someone wrote first. */
export interface Faults {
  conflicts: number;
}

/** Serves one request against the simulated API; errors become Status objects. */
export async function route(
  api: KubeApi,
  port: number,
  req: IncomingMessage,
  res: ServerResponse,
  faults: Faults = { conflicts: 0 },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const found = discovery(url.pathname, port) ?? openApi(url.pathname, port);
  if (found && method === 'GET') return send(res, 200, found);
  const target = parseTarget(url.pathname);
  if (!target) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const { type, version, namespace, name, sub } = target;
  const out = (obj: KubeObject): KubeObject => ({ ...obj, apiVersion: apiVersionOf(type, version), kind: type.kind });
  const dryRun = q.get('dryRun') === 'All';
  if (sub === 'log' && type.kind === 'Pod' && name) {
    if (method !== 'GET') throw methodNotAllowed();
    return sendPodLog(res, api.get(type, namespace, name) as Pod, q);
  }
  if (sub && sub !== 'status' && !(sub === 'scale' && type.subresources?.includes('scale'))) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (!name) {
    const label = parseLabelSelector(q.get('labelSelector'));
    const field = parseFieldSelector(q.get('fieldSelector'));
    const matches = (o: KubeObject) => label(o.metadata.labels) && field(o);
    if (method === 'GET' && (q.get('watch') === '1' || q.get('watch') === 'true')) {
      const timeout = q.get('timeoutSeconds');
      return streamWatch(
        api.store,
        {
          type,
          version,
          namespace,
          matches,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          timeoutSeconds: timeout ? Number(timeout) : undefined,
          bookmarks: q.get('allowWatchBookmarks') === 'true',
        },
        res,
      );
    }
    if (method === 'GET' && wantsTable(req.headers.accept)) {
      return send(
        res,
        200,
        toTable(type, api.store.list(type, namespace).filter(matches), String(api.store.resourceVersion)),
      );
    }
    if (method === 'GET') {
      const items = api.store
        .list(type, namespace)
        .filter(matches)
        .map((o) => {
          if (!builtin(type)) return out(o);
          const { apiVersion: _a, kind: _k, ...rest } = o;
          return rest as KubeObject;
        });
      return send(res, 200, {
        kind: `${type.kind}List`,
        apiVersion: apiVersionOf(type, version),
        metadata: { resourceVersion: String(api.store.resourceVersion) },
        items,
      });
    }
    if (method === 'POST') {
      const body = (await readBody(req)) as unknown as KubeObject;
      return send(res, 201, out(api.create(type, namespace, body, { dryRun })));
    }
    if (method === 'DELETE') {
      for (const o of api.store.list(type, namespace).filter(matches))
        api.delete(type, namespace, o.metadata.name ?? '', { dryRun });
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    }
    throw methodNotAllowed();
  }
  if (sub === 'scale') {
    if (method === 'GET') return send(res, 200, scaleOf(type, api.get(type, namespace, name)));
    if (method === 'PUT' || method === 'PATCH') {
      const body = await readBody(req);
      const patchType = method === 'PATCH' ? patchTypeOf(req.headers['content-type']) : undefined;
      return send(res, 200, setScale(api, type, namespace, name, body, patchType, dryRun));
    }
    throw methodNotAllowed();
  }
  if ((method === 'PUT' || method === 'PATCH') && faults.conflicts > 0) {
    faults.conflicts--;
    throw conflict(type, name);
  }
  const part = sub === 'status' ? 'status' : 'main';
  switch (method) {
    case 'GET':
      if (wantsTable(req.headers.accept)) {
        return send(res, 200, toTable(type, [api.get(type, namespace, name)], String(api.store.resourceVersion)));
      }
      return send(res, 200, out(api.get(type, namespace, name)));
    case 'PUT': {
      const body = (await readBody(req)) as unknown as KubeObject;
      if (body?.metadata?.name && body.metadata.name !== name)
        throw badRequest('the name of the object and the name in the request do not match');
      return send(res, 200, out(api.update(type, namespace, body, { part, dryRun })));
    }
    case 'PATCH': {
      const patchType = patchTypeOf(req.headers['content-type']);
      return send(res, 200, out(api.patch(type, namespace, name, patchType, await readBody(req), { part, dryRun })));
    }
    case 'DELETE': {
      // DeleteOptions come as query parameters or as a body (kubectl sends a body).
      const body = (await readBody(req)) as {
        gracePeriodSeconds?: number;
        propagationPolicy?: string;
        dryRun?: string[];
      } | null;
      const grace = q.get('gracePeriodSeconds') ?? body?.gracePeriodSeconds;
      const gone = api.delete(type, namespace, name, {
        gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
        propagationPolicy: q.get('propagationPolicy') ?? body?.propagationPolicy,
        dryRun: dryRun || (body?.dryRun ?? []).includes('All'),
      });
      if (type.kind === 'Pod' || type.kind === 'Service' || type.kind === 'Namespace') return send(res, 200, out(gone));
      const details: Record<string, string> = { name, kind: type.plural, uid: gone.metadata.uid ?? '' };
      if (type.group) details.group = type.group;
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
    }
  }
  throw methodNotAllowed();
}
