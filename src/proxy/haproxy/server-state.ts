/**
 * HAProxy's own account of its servers (`show servers state <backend>`): what
 * an adopting controller starts from, and the read-back that decides whether a
 * traffic change is done — never the command merely sent.
 */
import type { Upstream } from '../types.js';

export interface ServerState {
  name: string;
  host: string;
  port: number;
  /** the weight set by the runtime API (srv_uweight) */
  weight: number;
  /** srv_admin_state: bit 0x01/0x02/0x04/0x20 mean maintenance */
  maintenance: boolean;
}

/** Parses the answer (version line, header, one line per server); throws when it is not one. */
export function parseServersState(answer: string, backend: string): Map<string, ServerState> {
  const lines = answer.split('\n').map((line) => line.trim());
  if (!/^\d+$/.test(lines[0] ?? ''))
    throw new Error(`haproxy answered "${answer.trim().slice(0, 200)}" to show servers state`);
  const servers = new Map<string, ServerState>();
  for (const line of lines.slice(1)) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(' ');
    if (f[1] !== backend || f[3] === undefined) continue;
    servers.set(f[3], {
      name: f[3],
      host: f[4] ?? '',
      port: Number(f[18] ?? 0),
      weight: Number(f[7] ?? 0),
      maintenance: (Number(f[6] ?? 0) & 0x27) !== 0,
    });
  }
  return servers;
}

/** Rebuilds releases and percents from servers named r<revision>-<n> (backups b… are not traffic). */
export function releasesFromServers(servers: ReadonlyMap<string, ServerState>): {
  releases: Map<number, Upstream[]>;
  weights: Record<number, number>;
  applied: Map<string, number>;
} {
  const releases = new Map<number, Upstream[]>();
  const applied = new Map<string, number>();
  const sums = new Map<number, number>();
  for (const server of servers.values()) {
    const match = /^([rb])(\d+)-(\d+)$/.exec(server.name);
    if (!match) continue;
    const revision = Number(match[2]);
    applied.set(server.name, revision);
    if (match[1] === 'b') continue;
    const list = releases.get(revision) ?? [];
    list[Number(match[3])] = { host: server.host, port: server.port };
    releases.set(revision, list);
    sums.set(revision, (sums.get(revision) ?? 0) + server.weight);
  }
  const weights: Record<number, number> = {};
  for (const [revision, list] of releases) {
    releases.set(revision, list.filter(Boolean));
    weights[revision] = Math.min(100, Math.round(((sums.get(revision) ?? 0) * 100) / 256));
  }
  return { releases, weights, applied };
}

/** null when every expected server is there with its weight, else what differs. */
export function checkWeights(
  servers: ReadonlyMap<string, ServerState>,
  expected: ReadonlyMap<string, number>,
  unwanted: readonly string[],
): string | null {
  for (const [name, weight] of expected) {
    const server = servers.get(name);
    if (!server) return `server ${name} is missing`;
    if (server.weight !== weight) return `server ${name} has weight ${server.weight}, asked ${weight}`;
    if (weight > 0 && server.maintenance) return `server ${name} is in maintenance`;
  }
  for (const name of unwanted) if ((servers.get(name)?.weight ?? 0) > 0) return `server ${name} still has traffic`;
  return null;
}
