/**
 * What one release's containers are made from (its digest, the filled command and
 * environment, limits, probes), and retention: stopped releases beyond the newest
 * `keepStopped` are removed, never one this driver still runs.
 */
import { fillTemplate } from '../local/options.js';
import type { ContainerSummaryLike } from './engine-like.js';
import { LABEL } from './labels.js';
import type { ContainerServiceOptions } from './options.js';
import type { ReleaseContainersSpec } from './release-containers.js';

/** The placeholders of a release: {version} {service} {env} {revision}. */
export const varsOf = (r: { service: string; environment: string; revision: number; version: string }) => ({
  version: r.version,
  service: r.service,
  env: r.environment,
  revision: r.revision,
});

/** What a release's containers are made of: its service's options, the image, and what is filled in per start. */
export interface ReleaseMaking {
  service: ContainerServiceOptions;
  image: string;
  env?: Record<string, string>;
  /** the release's config file copies, mounted read-only */
  mounts?: { host: string; container: string }[];
  desired: number;
}

export function releaseSpec(
  project: string,
  release: { service: string; environment: string; revision: number; version: string },
  { service, image, env = {}, mounts = [], desired }: ReleaseMaking,
): ReleaseContainersSpec {
  const vars = varsOf(release);
  return {
    project,
    release: {
      service: release.service,
      environment: release.environment,
      revision: release.revision,
      version: release.version,
    },
    image,
    desired,
    stopTimeoutMs: service.stopTimeoutMs ?? 10_000,
    command: (service.command ?? []).map((arg) => fillTemplate(arg, vars)),
    env: Object.entries(env).map(([k, v]) => `${k}=${fillTemplate(v, vars)}`),
    port: service.port ?? 8080,
    volumes: service.volumes ?? [],
    mounts,
    ...(service.network ? { network: service.network } : {}),
    ...(service.cpus ? { cpus: service.cpus } : {}),
    ...(service.memoryBytes ? { memoryBytes: service.memoryBytes } : {}),
    labels: service.labels ?? {},
    imageHealth: service.imageHealthcheck ?? false,
    probe: {
      livePath: service.health?.live === undefined ? '/health/live' : service.health.live,
      readyPath: service.health?.ready === undefined ? '/health/ready' : service.health.ready,
      intervalMs: service.health?.intervalMs ?? 1000,
      timeoutMs: service.health?.timeoutMs ?? 1000,
      failureThreshold: service.health?.failureThreshold ?? 3,
    },
  };
}

/** Removes the stopped containers of revisions beyond the newest `keep`; resolves how many. */
export async function pruneStopped(
  remove: (id: string) => Promise<unknown>,
  all: ContainerSummaryLike[],
  running: (revision: number) => boolean,
  keep: number,
): Promise<number> {
  const stopped = all.filter((c) => c.State !== 'running');
  const revisions = [...new Set(stopped.map((c) => Number(c.Labels?.[LABEL.revision])))].sort((a, b) => b - a);
  const doomed = new Set(revisions.filter((r) => !running(r)).slice(keep));
  const removing = stopped.filter((c) => doomed.has(Number(c.Labels?.[LABEL.revision])));
  for (const c of removing) await remove(c.Id).catch(() => undefined);
  return removing.length;
}
