/**
 * One release's containers: created from its digest with Rewind's labels, each
 * publishing its port on 127.0.0.1 at a port the engine picks, each with one
 * health probe on that port. The engine restarts a crashed container (restart
 * policy `unless-stopped`); this group reads every container's state, exit
 * code, restart count and OOM kill at each poll, which is what the signals and
 * the ready wait see.
 */
import type { Clock } from '../../core/clock.js';
import type { InstanceProbeLike, InstanceProbeOptionsLike } from '../local/options.js';
import type { Upstream } from '../../proxy/types.js';
import {
  statusOf,
  type ContainerInspectLike,
  type ContainerLike,
  type ContainerSummaryLike,
  type DockerLike,
} from './engine-like.js';
import { LABEL, containerName, releaseLabels, type ReleaseKey } from './labels.js';
import { containerSpec, reachAt, type ContainerSpecInput } from './container-spec.js';
import { engineView, healthView, newView, type ContainerView } from './container-view.js';
import { createHealthRunner, readImageHealth } from './image-health.js';

export type { ContainerView } from './container-view.js';

export interface ReleaseContainersSpec extends ContainerSpecInput {
  project: string;
  release: ReleaseKey & { version: string };
  /** the digest reference it runs */
  image: string;
  desired: number;
  stopTimeoutMs: number;
  probe: Omit<InstanceProbeOptionsLike, 'host' | 'port' | 'clock'>;
  /** the image's HEALTHCHECK counts: ready needs healthy, unhealthy fails the container */
  imageHealth: boolean;
}

/** What a start found and did. */
export interface StartCounts {
  created: number;
  adopted: number;
  restarted: number;
  removed: number;
}

interface Member {
  index: number;
  container: ContainerLike;
  view: ContainerView;
  probe: InstanceProbeLike | null;
}

export function createReleaseContainers(
  spec: ReleaseContainersSpec,
  deps: {
    engine: DockerLike;
    clock: Clock;
    createProbe(o: InstanceProbeOptionsLike): InstanceProbeLike;
    pollMs: number;
  },
) {
  const members: Member[] = [];
  let polling: ReturnType<typeof setInterval> | null = null;
  let pollRunning = false;

  const runHealthcheck = createHealthRunner(deps.engine, deps.clock);

  async function refresh(member: Member): Promise<void> {
    let info: ContainerInspectLike | null = null;
    let missing = false;
    try {
      info = await member.container.inspect();
      if (spec.imageHealth && (await runHealthcheck(info))) info = await member.container.inspect();
    } catch (error) {
      missing = statusOf(error) === 404;
    }
    const reach = info ? reachAt(info, spec.port) : { host: member.view.host, port: member.view.port };
    if (reach.port && (reach.port !== member.view.port || reach.host !== member.view.host)) {
      member.probe?.stop();
      member.probe = deps.createProbe({ ...spec.probe, ...reach, clock: deps.clock });
    }
    member.view = engineView(member.view, info, reach, missing);
    const image = spec.imageHealth && info ? readImageHealth(info) : null;
    member.view = healthView(member.view, member.probe?.state(), image);
  }

  async function pollAll(): Promise<void> {
    if (pollRunning) return;
    pollRunning = true;
    try {
      await Promise.all(members.map(refresh));
    } finally {
      pollRunning = false;
    }
  }

  function track(index: number, container: ContainerLike, name: string): Member {
    const member: Member = { index, container, probe: null, view: newView(index, container.id, name) };
    members.push(member);
    return member;
  }

  return {
    spec,
    /**
     * Adopts running containers of this release (by label), starts its stopped ones
     * (a cold rollback: no pull), creates what is missing and removes duplicates.
     */
    async start(existing: ContainerSummaryLike[], attempt: string): Promise<StartCounts> {
      const counts = { created: 0, adopted: 0, restarted: 0, removed: 0 };
      const byIndex = new Map<number, ContainerSummaryLike>();
      // running ones first, so a duplicate left by a crashed attempt is the one removed
      const ordered = [...existing].sort((a, b) => Number(b.State === 'running') - Number(a.State === 'running'));
      for (const summary of ordered) {
        const index = Number(summary.Labels?.[LABEL.instance] ?? -1);
        const sameImage = summary.Labels?.[LABEL.image] === spec.image;
        if (index < 0 || index >= spec.desired || byIndex.has(index) || !sameImage) {
          await deps.engine
            .getContainer(summary.Id)
            .remove({ force: true })
            .catch(() => undefined);
          counts.removed += 1;
        } else byIndex.set(index, summary);
      }
      for (let index = 0; index < spec.desired; index += 1) {
        const found = byIndex.get(index);
        if (found) {
          const container = deps.engine.getContainer(found.Id);
          if (found.State !== 'running') {
            await container.start().catch((error: unknown) => {
              if (statusOf(error) !== 304) throw error;
            });
            counts.restarted += 1;
          } else counts.adopted += 1;
          track(index, container, (found.Names[0] ?? found.Id).replace(/^\//, ''));
          continue;
        }
        const name = containerName(spec.release, index, attempt);
        const labels = releaseLabels(spec.project, spec.release, spec.image, index, attempt, spec.labels);
        const container = await deps.engine.createContainer(containerSpec(name, spec, labels));
        track(index, container, name);
        await container.start();
        counts.created += 1;
      }
      await pollAll();
      polling ??= setInterval(() => void pollAll(), deps.pollMs);
      polling.unref?.();
      return counts;
    },
    /**
     * Takes over containers started outside Rewind (selected by the caller) as they
     * are: running ones are only watched, stopped ones started; nothing is created or removed.
     */
    async adopt(found: ContainerSummaryLike[]): Promise<StartCounts> {
      const counts = { created: 0, adopted: 0, restarted: 0, removed: 0 };
      for (const [index, summary] of found.entries()) {
        const container = deps.engine.getContainer(summary.Id);
        if (summary.State !== 'running') {
          await container.start().catch((error: unknown) => {
            if (statusOf(error) !== 304) throw error;
          });
          counts.restarted += 1;
        } else counts.adopted += 1;
        track(index, container, (summary.Names[0] ?? summary.Id).replace(/^\//, ''));
      }
      await pollAll();
      polling ??= setInterval(() => void pollAll(), deps.pollMs);
      polling.unref?.();
      return counts;
    },
    /** stops the containers; `keep` leaves them stopped for a cold rollback, otherwise they are removed */
    async stop(keep: boolean): Promise<number> {
      this.detach();
      const t = Math.ceil(spec.stopTimeoutMs / 1000);
      await Promise.all(
        members.map(async (m) => {
          await m.container.stop({ t }).catch(() => undefined);
          if (!keep) await m.container.remove({ force: true }).catch(() => undefined);
        }),
      );
      const stopped = members.length;
      members.length = 0;
      return stopped;
    },
    /** stops watching; the containers keep running (a controller that closes) */
    detach(): void {
      if (polling) clearInterval(polling);
      polling = null;
      for (const m of members) m.probe?.stop();
    },
    refresh: pollAll,
    upstreams: (): Upstream[] =>
      members.filter((m) => m.view.port > 0).map((m) => ({ host: m.view.host, port: m.view.port })),
    containers: (): ContainerView[] => members.map((m) => m.view),
    handles: (): ContainerLike[] => members.map((m) => m.container),
  };
}

export type ReleaseContainers = ReturnType<typeof createReleaseContainers>;
