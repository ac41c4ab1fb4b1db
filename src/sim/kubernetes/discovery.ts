import type { ResourceType } from './resources.js';
import { RESOURCE_TYPES, verbsFor } from './resources.js';
import type { JsonObject } from './types.js';

const groups = (): string[] => [...new Set(RESOURCE_TYPES.map((t) => t.group).filter(Boolean))];

function versionsOf(group: string): string[] {
  const versions = RESOURCE_TYPES.filter((t) => t.group === group).flatMap((t) => t.versions);
  return [...new Set(versions)];
}

function groupEntry(group: string): JsonObject {
  const versions = versionsOf(group).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions, preferredVersion: versions[0] ?? null };
}

function resourceEntries(type: ResourceType): JsonObject[] {
  const main: JsonObject = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: verbsFor(type),
  };
  if (type.shortNames) main.shortNames = type.shortNames;
  const subs = (type.subresources ?? []).map((sub) => {
    const entry: JsonObject = {
      name: `${type.plural}/${sub}`,
      singularName: '',
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: ['get', 'patch', 'update'],
    };
    if (sub === 'scale') {
      entry.group = 'autoscaling';
      entry.version = 'v1';
      entry.kind = 'Scale';
    }
    return entry;
  });
  return [main, ...subs];
}

/** The answers of the discovery endpoints, in the legacy (unaggregated) form every client can fall back to. */
export function discovery(path: string, port: number): JsonObject | undefined {
  if (path === '/version') {
    return {
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.0-rewind-sim',
      gitCommit: 'simulated',
      gitTreeState: 'clean',
      buildDate: '2026-01-01T00:00:00Z',
      goVersion: 'simulated',
      compiler: 'simulated',
      platform: 'linux/amd64',
    };
  }
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
    };
  }
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(groupEntry) };
  const legacy = /^\/api\/(v1)$/.exec(path);
  const named = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  const group = named ? named[1]! : legacy ? '' : undefined;
  const version = named ? named[2]! : legacy ? legacy[1]! : undefined;
  if (group === undefined || version === undefined) {
    const onlyGroup = /^\/apis\/([^/]+)$/.exec(path);
    if (onlyGroup && groups().includes(onlyGroup[1]!))
      return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(onlyGroup[1]!) };
    return undefined;
  }
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(resourceEntries),
  };
}
