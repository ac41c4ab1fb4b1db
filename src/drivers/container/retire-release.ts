/**
 * Retiring a release of containers, in the runbook's order: no new requests, let
 * in-flight ones finish (drain up to the stop timeout), then stop its containers
 * and keep them stopped for a cold rollback. Containers no group watches (a
 * crashed attempt's, or an adopted release's) are found by label. Then retention
 * removes stopped releases beyond `keepStopped`.
 */
import { ADOPTED_BY } from '../../core/model.js';
import type { DriverCallOptions } from '../../core/ports/driver.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import { adoptable } from './adopt.js';
import { failureEvidence, stopRunning } from './container-parts.js';
import type { ContainerSummaryLike, DockerLike } from './engine-like.js';
import type { ReleaseKey } from './labels.js';
import type { ContainerServiceOptions, Ref } from './options.js';
import type { ReleaseContainers } from './release-containers.js';
import { pruneStopped } from './release-spec.js';

export interface RetireDeps {
  engine: DockerLike;
  service: ContainerServiceOptions;
  target: TrafficSwitch;
  /** the group watching the release, if this driver runs it */
  group: ReleaseContainers | undefined;
  /** containers labelled for a release, or for every revision of a service when revision is absent */
  labelled(key: Omit<ReleaseKey, 'revision'> & { revision?: number }): Promise<ContainerSummaryLike[]>;
  /** this driver no longer runs the release */
  forget(): void;
  /** this driver still runs that revision (retention keeps it) */
  runs(revision: number): boolean;
  redact(text: string): string;
  /** `web v2 (r2)` */
  label: string;
}

export async function retireRelease(release: Ref, deps: RetireDeps, call: DriverCallOptions = {}): Promise<string> {
  const { engine, service, target, group } = deps;
  const stopMs = service.stopTimeoutMs ?? 10_000;
  const weights = target.weights();
  if ((weights[release.revision] ?? 0) > 0) target.setWeights({ ...weights, [release.revision]: 0 });
  const drained = call.force ? true : await target.drain(release.revision, stopMs);
  const evidence = group ? await failureEvidence(group, 5, deps.redact) : [];
  let stopped: number;
  if (group) stopped = await group.stop(true);
  else {
    // containers of a crashed attempt, found by label (or, adopted, by the adoption labels)
    const outside = release.deployedBy === ADOPTED_BY ? await adoptable(engine, service.adoptLabels ?? {}) : [];
    stopped = await stopRunning(engine, [...(await deps.labelled(release)), ...outside], stopMs);
  }
  deps.forget();
  target.removeRelease(release.revision);
  await target.settled?.();
  const removed = await pruneStopped(
    (c) => engine.getContainer(c).remove({ force: true }),
    await deps.labelled({ service: release.service, environment: release.environment }),
    deps.runs,
    service.keepStopped ?? 3,
  );
  const message = `${deps.label} retired: ${stopped} containers stopped and kept${drained ? '' : ' (drain timed out)'}${removed ? `; ${removed} old containers removed` : ''}`;
  call.log?.(message);
  for (const line of evidence) call.log?.(line);
  return [message, ...evidence].join('\n');
}
