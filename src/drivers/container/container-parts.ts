/**
 * Pieces of the container driver that need none of its state: a release as
 * `describe` reports it, waiting for its containers to answer their ready
 * checks (a crash loop fails the wait at once), its last log lines, what a
 * start did, and stopping containers no group watches.
 */
import type { Clock } from '../../core/clock.js';
import { UserError } from '../../core/errors.js';
import type { InstanceOutput, LiveRelease } from '../../core/ports/driver.js';
import { containerOutputs, lastLogLines } from './logs.js';
import type { ReleaseContainers, StartCounts } from './release-containers.js';
import type { ContainerSummaryLike, DockerLike } from './engine-like.js';
import type { Upstream } from '../../proxy/types.js';
import { crashLooping } from './signals.js';

export function describeRelease(group: ReleaseContainers, weight: number): LiveRelease {
  const views = group.containers();
  const ready = views.filter((c) => c.ready).length;
  // the engine already waited out the HEALTHCHECK's retries: waiting longer will not make it ready
  const unhealthy = views.find((c) => c.health === 'unhealthy');
  return {
    revision: group.spec.release.revision,
    version: group.spec.release.version,
    weight,
    ready,
    desired: group.spec.desired,
    // a crash-looping container is unhealthy even between restarts, when its probe may pass
    healthy: ready >= group.spec.desired && views.every((c) => c.live && !crashLooping(c) && !c.oomKilled),
    ...(unhealthy ? { failing: true, problem: `${unhealthy.name}: ${unhealthy.lastError}` } : {}),
  };
}

/** Each container's state and its last log lines, masked; `all` includes healthy containers. */
export async function failureEvidence(
  group: ReleaseContainers,
  lines: number,
  redact: (text: string) => string,
  all = false,
): Promise<string[]> {
  const views = group.containers();
  const handles = group.handles();
  const picked = views
    .map((view, i) => ({ view, handle: handles[i]! }))
    .filter(({ view }) => all || view.restarts > 0 || crashLooping(view) || view.oomKilled || !view.ready);
  if (picked.length === 0) return [];
  const limit = group.spec.memoryBytes ? `; memory limit ${Math.round(group.spec.memoryBytes / 1048576)} MiB` : '';
  const states = picked.map(
    ({ view }) =>
      `${view.name}: ${view.state}, exit code ${view.exitCode}${view.exitCode === 137 ? ` (SIGKILL${limit})` : ''}, ${view.restarts} restarts${view.oomKilled ? ', OOMKilled' : ''}${view.health === 'unhealthy' ? `, ${view.lastError}` : ''}`,
  );
  const logs = await lastLogLines(
    picked.map(({ view, handle }) => ({ name: view.name, handle })),
    lines,
  );
  return [...states, ...logs.map((line) => `log ${line}`)].map(redact);
}

export interface ContainersReadyWait {
  clock: Clock;
  group(): ReleaseContainers | undefined;
  redact(text: string): string;
  signal?: AbortSignal;
}

/** Resolves when every container is ready; UserError with the containers' last log lines otherwise. */
export async function awaitContainersReady(what: string, timeoutMs: number, wait: ContainersReadyWait): Promise<void> {
  const deadline = wait.clock.now() + timeoutMs;
  for (;;) {
    const group = wait.group();
    if (!group) throw new UserError('CONTAINER_NOT_RUNNING', `${what} is not running; start it first`, { status: 409 });
    await group.refresh();
    const views = group.containers();
    const ready = views.filter((c) => c.ready).length;
    if (ready >= group.spec.desired) return;
    const looping = views.find((c) => crashLooping(c) || c.oomKilled);
    // the image's HEALTHCHECK said unhealthy: the engine already waited out its retries
    const unhealthy = views.find((c) => c.health === 'unhealthy');
    if (looping || unhealthy || wait.clock.now() >= deadline) {
      const evidence = await failureEvidence(group, 5, wait.redact);
      const reason = looping
        ? `${looping.name} is crash looping (${looping.state}, exit code ${looping.exitCode}, ${looping.restarts} restarts${looping.oomKilled ? ', OOMKilled' : ''})`
        : unhealthy
          ? `${unhealthy.name}: ${unhealthy.lastError}`
          : `${ready}/${group.spec.desired} containers ready after ${timeoutMs}ms (last probe: ${views.find((c) => !c.ready)?.lastError ?? 'no answer yet'})`;
      throw new UserError('CONTAINER_NOT_READY', [`${what}: ${reason}`, ...evidence].join('\n'));
    }
    await wait.clock.sleep(250, wait.signal);
  }
}

/** What each container of a release printed, for the incident report; none when it does not run here. */
export function releaseOutputs(group: ReleaseContainers | undefined, maxLines: number): Promise<InstanceOutput[]> {
  const handles = group?.handles() ?? [];
  const named = (group?.containers() ?? []).map((view, i) => ({ name: view.name, handle: handles[i]! }));
  return containerOutputs(named, maxLines);
}

/** What a start did, for the journal: `web v2 (r2) repo@sha256:…: 1 created, 0 started again, 0 adopted; ports 4711`. */
export function startMessage(what: string, image: string, counts: StartCounts, upstreams: Upstream[]): string {
  const removed = counts.removed ? `, ${counts.removed} duplicates removed` : '';
  return `${what} ${image}: ${counts.created} created, ${counts.restarted} started again, ${counts.adopted} adopted${removed}; ports ${upstreams.map((u) => u.port).join(', ')}`;
}

/** Stops the running ones among containers no group watches (a crashed attempt's); resolves how many. */
export async function stopRunning(engine: DockerLike, found: ContainerSummaryLike[], stopMs: number): Promise<number> {
  const running = found.filter((c) => c.State === 'running');
  for (const c of running)
    await engine
      .getContainer(c.Id)
      .stop({ t: Math.ceil(stopMs / 1000) })
      .catch(() => undefined);
  return running.length;
}
