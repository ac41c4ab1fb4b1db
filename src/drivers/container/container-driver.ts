/**
 * The `container` driver: each release of a service is a set of containers on a
 * Docker Engine API (Docker, or Podman's `podman system service`) behind the same
 * front door as local instances. The release runs its image digest, never a moved
 * tag. The previous release stays warm, is stopped but kept when retired (a cold
 * rollback is a `start`, no pull), and retention removes older stopped ones.
 * Containers are found by their labels: a controller that starts adopts them,
 * and it never touches a container it did not label.
 */
import { systemClock } from '../../core/clock.js';
import { UserError } from '../../core/errors.js';
import { ADOPTED_BY, type Release } from '../../core/model.js';
import { createSerializer } from '../local/driver-parts.js';
import { describeBehindSwitch, shiftBehindSwitch, type SwitchedReleases } from '../behind-switch.js';
import { adoptable, adoptedImage } from './adopt.js';
import { fillTemplate } from '../local/options.js';
import type { ContainerDriver, ContainerDriverOptions, ContainerServiceOptions, Ref } from './options.js';
import { ensureImage, isPinnedReference, resolveImage } from './image.js';
import { LABEL, selector, type ReleaseKey } from './labels.js';
import { createReleaseContainers, type ReleaseContainers, type StartCounts } from './release-containers.js';
import { containerSignalSource } from './signals.js';
import { releaseSpec, varsOf, type ReleaseMaking } from './release-spec.js';
import { configBinds, keptFileMethods } from './config-mounts.js';
import {
  awaitContainersReady,
  describeRelease,
  failureEvidence,
  releaseOutputs,
  startMessage,
} from './container-parts.js';
import { retireRelease } from './retire-release.js';

const keyOf = (r: ReleaseKey): string => `${r.service}\u0000${r.environment}\u0000${r.revision}`;
const label = (r: Ref): string => `${r.service} ${r.version} (r${r.revision})`;

export function createContainerDriver(options: ContainerDriverOptions): ContainerDriver {
  const clock = options.clock ?? systemClock;
  const engine = options.engine;
  const redact = options.redact ?? ((text: string) => text);
  const groups = new Map<string, ReleaseContainers>();
  const recovered = new Map<string, Promise<void>>();
  const serial = createSerializer();
  // one attempt id per driver object: a crashed attempt's containers carry another
  const attempt = clock.now().toString(36);

  function serviceOf(service: string, environment: string): ContainerServiceOptions {
    const found = options.services(service, environment);
    if (!found)
      throw new UserError('CONTAINER_UNKNOWN_SERVICE', `service ${service} does not use the container driver`);
    return found;
  }
  const stopMsOf = (s: ContainerServiceOptions) => s.stopTimeoutMs ?? 10_000;
  const copies = options.configDir ? { dirOf: options.configDir } : {};

  async function digestOf(release: Ref, service: ContainerServiceOptions): Promise<string> {
    if (release.artifact && isPinnedReference(release.artifact)) return release.artifact;
    return resolveImage(engine, fillTemplate(service.image, varsOf(release)), service.pull ?? 'ifNotPresent');
  }

  const labelled = (key: Omit<ReleaseKey, 'revision'> & { revision?: number }) =>
    engine.listContainers({ all: true, filters: { label: selector(options.project, key) } });

  async function startRelease(release: Ref, log: ((line: string) => void) | undefined, adoptOnly: boolean) {
    const key = keyOf(release);
    const existing = groups.get(key);
    if (existing) return `${label(release)} already running (${existing.spec.desired} containers)`;
    const service = serviceOf(release.service, release.environment);
    const found = await labelled(release);
    if (adoptOnly && !found.some((c) => c.State === 'running')) return `${label(release)} has no running containers`;
    // a release taken over from Compose: its own containers again (a stopped one is started), found by their labels
    const outside =
      release.deployedBy === ADOPTED_BY && found.length === 0 ? await adoptable(engine, service.adoptLabels ?? {}) : [];
    if (outside.length > 0) {
      const spec = { service, image: release.artifact ?? '', desired: outside.length };
      return run(release, spec, (group) => group.adopt(outside), false, log);
    }
    const image = adoptOnly ? (found[0]?.Labels?.[LABEL.image] ?? '') : await digestOf(release, service);
    if (!adoptOnly) await ensureImage(engine, image, service.pull ?? 'ifNotPresent');
    const env = { ...service.env, ...(await options.releaseEnv?.(release)) };
    // the release's own copies of its config files: made at its first start, mounted at every start
    const mounts = configBinds(copies, service.configFiles ?? [], release, !adoptOnly);
    const spec = { service, image, env, mounts, desired: service.instances ?? 1 };
    return run(release, spec, (group) => group.start(found, attempt), true, log);
  }

  /** Watches a release's containers from now on; a failed start stops only what Rewind made. */
  async function run(
    release: Ref,
    spec: ReleaseMaking,
    begin: (group: ReleaseContainers) => Promise<StartCounts>,
    made: boolean,
    log?: (line: string) => void,
  ): Promise<string> {
    const group = createReleaseContainers(releaseSpec(options.project, release, spec), {
      engine,
      clock,
      createProbe: options.createProbe,
      pollMs: options.pollMs ?? 1000,
    });
    groups.set(keyOf(release), group);
    try {
      const message = startMessage(label(release), spec.image, await begin(group), group.upstreams());
      log?.(redact(message));
      return message;
    } catch (error) {
      groups.delete(keyOf(release));
      if (made) await group.stop(true);
      else group.detach();
      throw error;
    }
  }

  /** After a controller start: adopt the running containers it labelled, by revision. */
  function recover(service: string, environment: string): Promise<void> {
    const scope = `${service}\u0000${environment}`;
    let done = recovered.get(scope);
    if (!done) {
      done = (async () => {
        const running = (await labelled({ service, environment })).filter((c) => c.State === 'running');
        const revisions = new Map<number, string>();
        for (const c of running) revisions.set(Number(c.Labels?.[LABEL.revision]), c.Labels?.[LABEL.release] ?? '');
        for (const [revision, version] of revisions) {
          const ref = { service, environment, revision, version };
          await serial(keyOf(ref), () => startRelease(ref, undefined, true)).catch(() => undefined);
        }
      })();
      done.catch(() => recovered.delete(scope));
      recovered.set(scope, done);
    }
    return done;
  }

  const groupsOf = (service: string, environment: string) =>
    [...groups.values()]
      .filter((g) => g.spec.release.service === service && g.spec.release.environment === environment)
      .sort((a, b) => a.spec.release.revision - b.spec.release.revision);

  const source = containerSignalSource((service, environment, revision) => {
    const group = groups.get(keyOf({ service, environment, revision }));
    return group ? { views: group.containers(), handles: group.handles() } : undefined;
  });

  const switched: SwitchedReleases<ReleaseContainers> = {
    switchFor: options.switchFor,
    async running(service, environment) {
      serviceOf(service, environment);
      await recover(service, environment);
      return groupsOf(service, environment);
    },
    revisionOf: (g) => g.spec.release.revision,
    upstreamsOf: (g) => g.upstreams(),
    view: describeRelease,
    notRunningCode: 'CONTAINER_NOT_RUNNING',
  };

  return {
    type: 'container',
    capabilities: {
      health: true,
      needsOwner: true,
      nativeUndo: false,
      warmPrevious: true,
      weights: true,
      faultEnv: true,
      restartSignals: true,
      configSnapshot: true,
    },
    limits: (service, environment) => ({ commandMs: 120_000, stopMs: stopMsOf(serviceOf(service, environment)) }),
    frontDoor(service, environment) {
      const listen = serviceOf(service, environment).listen;
      return listen ? `http://${listen}` : null;
    },

    async resolveArtifact(release: Release) {
      return digestOf(release, serviceOf(release.service, release.environment));
    },

    ...keptFileMethods(copies, (r) => serviceOf(r.service, r.environment).configFiles ?? []),

    start(release, call = {}) {
      return serial(keyOf(release), () => startRelease(release, call.log, false));
    },

    describe: (service, environment) => describeBehindSwitch(switched, service, environment),

    shiftTraffic: (service, environment, weights, _releases, call = {}) =>
      shiftBehindSwitch(switched, service, environment, weights, call),

    adopt(service, environment, revision, call = {}) {
      return serial(keyOf({ service, environment, revision }), async () => {
        const options = serviceOf(service, environment);
        const labels = options.adoptLabels ?? {};
        const running = (await adoptable(engine, labels)).filter((c) => c.State === 'running');
        const { artifact, version } = await adoptedImage(engine, service, labels, running);
        const ref = { service, environment, revision, version, artifact };
        if (groups.has(keyOf(ref))) throw new UserError('ALREADY_RUNNING', `${label(ref)} is already running`);
        const spec = { service: options, image: artifact, desired: running.length };
        const message = await run(ref, spec, (group) => group.adopt(running), false, call.log);
        return { artifact, version, instances: running.length, message };
      });
    },

    retire(release, call = {}) {
      return serial(keyOf(release), async () =>
        retireRelease(
          release,
          {
            engine,
            service: serviceOf(release.service, release.environment),
            target: await options.switchFor(release.service, release.environment),
            group: groups.get(keyOf(release)),
            labelled,
            forget: () => groups.delete(keyOf(release)),
            runs: (revision) => groups.has(keyOf({ ...release, revision })),
            redact,
            label: label(release),
          },
          call,
        ),
      );
    },

    awaitReady(release, timeoutMs, signal) {
      return awaitContainersReady(label(release), timeoutMs, {
        clock,
        group: () => groups.get(keyOf(release)),
        redact,
        ...(signal ? { signal } : {}),
      });
    },

    async evidence(release, lines = 20) {
      const group = groups.get(keyOf(release));
      return group ? failureEvidence(group, lines, redact, true) : [];
    },

    logs: async (release, call) => releaseOutputs(groups.get(keyOf(release)), call?.maxLines ?? 10_000),

    engineSignals: source,
    signals: () => source,

    async close() {
      for (const group of groups.values()) group.detach();
      groups.clear();
    },
  };
}
