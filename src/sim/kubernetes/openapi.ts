import { RESOURCE_TYPES } from './resources.js';
import type { JsonObject } from './types.js';

const gvKey = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of RESOURCE_TYPES)
    for (const v of t.versions) seen.set(gvKey(t.group, v), { group: t.group, version: v });
  return [...seen.values()];
}

/**
 * The OpenAPI v3 surface kubectl needs before it writes: per group-version,
 * one PATCH operation per kind tagged with its group-version-kind and the
 * `fieldValidation` query parameter, so kubectl leaves validation to the
 * server instead of downloading schemas. No request-body types are declared,
 * so `kubectl apply` computes its patches from its built-in knowledge of the
 * types (strategic merge for built-in kinds, JSON merge for custom ones),
 * as it does against a server without published schemas. No schemas are
 * served: `kubectl explain` does not work against the simulator.
 */
export function openApi(path: string, _port: number): JsonObject | undefined {
  if (path === '/openapi/v3') {
    const paths: JsonObject = {};
    for (const { group, version } of groupVersions()) {
      paths[gvKey(group, version)] = { serverRelativeURL: `/openapi/v3/${gvKey(group, version)}?hash=simulated` };
    }
    return { paths };
  }
  const match = /^\/openapi\/v3\/(.+)$/.exec(path);
  if (!match) return undefined;
  const gv = groupVersions().find((g) => gvKey(g.group, g.version) === match[1]);
  if (!gv) return undefined;
  const paths: JsonObject = {};
  for (const t of RESOURCE_TYPES.filter((t) => t.group === gv.group && t.versions.includes(gv.version))) {
    const prefix = `/${gvKey(t.group, gv.version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[prefix] = {
      patch: {
        description: `partially update the specified ${t.kind} (simulated)`,
        operationId: `patch${t.kind}`,
        parameters: [
          {
            name: 'fieldValidation',
            in: 'query',
            description: 'accepted; the simulator ignores unknown fields',
            schema: { type: 'string', uniqueItems: true },
          },
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version: gv.version, kind: t.kind },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (simulated)', version: 'v1.32.0-rewind-sim' },
    paths,
    components: {},
  };
}
