/**
 * The `local` driver: each release of a service is a set of
 * local processes behind Rewind's own traffic switch. start → awaitReady →
 * shiftTraffic → retire is the runbook's zero-downtime order; every call is
 * idempotent and serialised per release, so a resumed rollback can repeat one.
 */
import path from 'node:path';
import { systemClock } from '../../core/clock.js';
import { UserError } from '../../core/errors.js';
import type { DriverCallOptions } from '../../core/ports/driver.js';
import type { LocalDriverOptions, ReleaseRef } from './options.js';
import type { LocalDriver } from './local-driver-types.js';
import { isAlive, processStartTime, stopGroup } from './process-group.js';
import { createReleaseGroup, type ReleaseGroup } from './release-group.js';
import { probeRules, releaseGroupSpec, serviceOptions, stopTimeoutOf } from './release-spec.js';
import { gitSourceMethods } from './git-source.js';
import { restartGroup } from './rolling-restart.js';
import { configFileMethods } from './config-files.js';
import { awaitGroupReady, createSerializer, label, liveRelease } from './driver-parts.js';
import { describeBehindSwitch, shiftBehindSwitch, type SwitchedReleases } from '../behind-switch.js';
import { listRunRecords, readRunRecord, removeRunRecord, runFilePath, type RunRecord } from './run-file.js';
import { instanceLogs } from './instance-logs.js';

export type { LocalDriver, ReleaseSnapshot } from './local-driver-types.js';

const keyOf = (r: { service: string; environment: string; revision: number }): string =>
  `${r.service}\u0000${r.environment}\u0000${r.revision}`;

export function createLocalDriver(input: LocalDriverOptions): LocalDriver {
  // Absolute once: git runs in the repository, the instances in their own cwd.
  const options: LocalDriverOptions = { ...input, stateDir: path.resolve(input.stateDir) };
  const clock = options.clock ?? systemClock;
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const groups = new Map<string, ReleaseGroup>();
  const recovered = new Map<string, Promise<void>>();
  // one operation at a time per release: a retry waits for the call it repeats
  const serial = createSerializer();

  /** Kills what a run file lists when it cannot be adopted (another version under the same revision). */
  async function discard(record: RunRecord, graceMs: number): Promise<void> {
    for (const instance of record.instances) {
      if (
        isAlive(instance.pid) &&
        (instance.startTime === null || processStartTime(instance.pid) === instance.startTime)
      ) {
        await stopGroup(instance.pid, graceMs, clock);
      }
    }
    removeRunRecord(runFilePath(options.stateDir, record.service, record.environment, record.revision));
  }

  async function startGroup(release: ReleaseRef, call: DriverCallOptions, recovering: boolean): Promise<string> {
    const key = keyOf(release);
    const existing = groups.get(key);
    if (existing) return `${label(release)} already running (${existing.spec.desired} instances)`;
    const service = serviceOptions(options, release.service, release.environment);
    const file = runFilePath(options.stateDir, release.service, release.environment, release.revision);
    let previous = readRunRecord(file);
    if (previous && previous.version !== release.version) {
      await discard(previous, stopTimeoutOf(service));
      previous = undefined;
    }
    if (recovering && !previous?.instances.some((i) => isAlive(i.pid))) {
      removeRunRecord(file);
      return `${label(release)} has no surviving instances`;
    }
    const spec = await releaseGroupSpec(release, service, {
      options,
      clock,
      ...(call.log ? { log: call.log } : {}),
      ...(previous?.probe ? { recordedRules: previous.probe } : {}),
    });
    const group = createReleaseGroup(spec, { clock, createProbe: options.createProbe });
    groups.set(key, group);
    try {
      const counts = await group.start(previous);
      const message = `${label(release)}${spec.commit ? ` at ${spec.commit.slice(0, 12)}` : ''}: ${counts.spawned} started, ${counts.adopted} adopted${counts.discarded ? `, ${counts.discarded} unusable survivors stopped` : ''}; ports ${group
        .upstreams()
        .map((u) => u.port)
        .join(', ')}`;
      call.log?.(message);
      return message;
    } catch (error) {
      groups.delete(key);
      await group.stop();
      throw error;
    }
  }

  /** After a controller restart: adopt the releases whose run files list live processes. */
  function recover(service: string, environment: string): Promise<void> {
    const scope = `${service}\u0000${environment}`;
    let done = recovered.get(scope);
    if (!done) {
      done = (async () => {
        for (const record of listRunRecords(options.stateDir, service, environment)) {
          await serial(keyOf(record), () => startGroup({ ...record, artifact: record.commit ?? null }, {}, true)).catch(
            () => undefined,
          );
        }
      })();
      recovered.set(scope, done);
    }
    return done;
  }

  const groupsOf = (service: string, environment: string): ReleaseGroup[] =>
    [...groups.values()]
      .filter((g) => g.spec.service === service && g.spec.environment === environment)
      .sort((a, b) => a.spec.revision - b.spec.revision);

  const switched: SwitchedReleases<ReleaseGroup> = {
    switchFor: options.switchFor,
    async running(service, environment) {
      serviceOptions(options, service, environment);
      await recover(service, environment);
      return groupsOf(service, environment);
    },
    revisionOf: (g) => g.spec.revision,
    upstreamsOf: (g) => g.upstreams(),
    view: liveRelease,
    notRunningCode: 'LOCAL_NOT_RUNNING',
  };

  const driver: LocalDriver = {
    type: 'local',
    capabilities: {
      health: true,
      needsOwner: true,
      nativeUndo: false,
      warmPrevious: true,
      weights: true,
      faultEnv: true,
      restartInPlace: true,
      configSnapshot: true,
      restartSignals: true,
    },

    limits: (service, environment) => ({
      commandMs: 60_000,
      stopMs: stopTimeoutOf(serviceOptions(options, service, environment)),
    }),

    frontDoor(service, environment) {
      const listen = serviceOptions(options, service, environment).listen;
      return listen ? `http://${listen}` : null;
    },

    ...configFileMethods(baseDir, (release) => serviceOptions(options, release.service, release.environment)),
    ...gitSourceMethods(options, baseDir),

    start(release, call = {}) {
      return serial(keyOf(release), () => startGroup(release, call, false));
    },

    describe: (service, environment) => describeBehindSwitch(switched, service, environment),

    shiftTraffic: (service, environment, weights, _releases, call = {}) =>
      shiftBehindSwitch(switched, service, environment, weights, call),

    retire(release, call = {}) {
      return serial(keyOf(release), async () => {
        const service = serviceOptions(options, release.service, release.environment);
        const target = await options.switchFor(release.service, release.environment);
        const weights = target.weights();
        // Runbook order: no new requests, let in-flight ones finish, then stop.
        if ((weights[release.revision] ?? 0) > 0) target.setWeights({ ...weights, [release.revision]: 0 });
        const drained = await target.drain(release.revision, stopTimeoutOf(service));
        const group = groups.get(keyOf(release));
        if (!group) {
          const previous = readRunRecord(
            runFilePath(options.stateDir, release.service, release.environment, release.revision),
          );
          if (previous) await discard(previous, stopTimeoutOf(service));
        }
        const stopped = group ? await group.stop() : { killed: 0 };
        groups.delete(keyOf(release));
        target.removeRelease(release.revision);
        await target.settled?.();
        const message = `${label(release)} retired${drained ? '' : ' (drain timed out)'}${stopped.killed ? `; ${stopped.killed} instances needed SIGKILL` : ''}`;
        call.log?.(message);
        return message;
      });
    },

    restart(release, call = {}) {
      return serial(keyOf(release), async () => {
        const group = groups.get(keyOf(release));
        if (!group)
          throw new UserError('LOCAL_NOT_RUNNING', `${label(release)} is not running here; start it first`, {
            status: 409,
          });
        const target = await options.switchFor(release.service, release.environment);
        const wanted = probeRules(serviceOptions(options, release.service, release.environment));
        return restartGroup(group, target, label(release), clock, { ...call, rules: wanted });
      });
    },

    async logs(release, call) {
      return instanceLogs(options.stateDir, release, call);
    },

    awaitReady(release, timeoutMs, signal) {
      return awaitGroupReady(release, timeoutMs, {
        clock,
        stateDir: options.stateDir,
        group: () => groups.get(keyOf(release)),
        ...(signal ? { signal } : {}),
      });
    },

    snapshot(service, environment, revision) {
      const group = groups.get(keyOf({ service, environment, revision }));
      return group ? { instances: group.instances(), restarts: group.restarts() } : undefined;
    },

    async stopAll() {
      const all = [...groups.entries()];
      await Promise.all(all.map(([key, group]) => serial(key, () => group.stop())));
      for (const [key] of all) groups.delete(key);
    },

    async close() {
      for (const group of groups.values()) group.detach();
      groups.clear();
    },
  };
  return driver;
}
