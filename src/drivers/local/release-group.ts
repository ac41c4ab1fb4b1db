/**
 * The instances of one release: spawns or adopts `instances`
 * processes on free loopback ports, keeps one health probe per process, and keeps
 * the release's run file current so a later controller can adopt what survives.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { UserError } from '../../core/errors.js';
import { createInstance, type InstanceSpec, type SupervisedInstance } from './instance.js';
import type { ReleaseGroup, ReleaseGroupSpec } from './release-group-types.js';
import type { InstanceProbeLike, InstanceProbeOptionsLike } from './options.js';
import { isAlive, processStartTime, stopGroup } from './process-group.js';
import {
  freePortNotIn,
  logFilePath,
  removeRunRecord,
  runFilePath,
  writeRunRecord,
  type RunRecord,
} from './run-file.js';

export type { InstanceView, ReleaseGroup, ReleaseGroupSpec, Replacement } from './release-group-types.js';

export function createReleaseGroup(
  spec: ReleaseGroupSpec,
  deps: { clock: Clock; createProbe(options: InstanceProbeOptionsLike): InstanceProbeLike },
): ReleaseGroup {
  const runFile = runFilePath(spec.stateDir, spec.service, spec.environment, spec.revision);
  const members: SupervisedInstance[] = [];
  // keyed by instance, not index: during a rolling restart two processes share an index
  const probes = new Map<SupervisedInstance, InstanceProbeLike>();
  // variables added by rolling restarts (feature flags); crash restarts keep them
  let overlay: Record<string, string> = {};
  let active = true;
  // instances whose probe said ready once: a crash loop is one that never got there
  const everReady = new WeakSet<SupervisedInstance>();

  const newProbe = (port: number, rules = spec.probe): InstanceProbeLike =>
    deps.createProbe({ ...rules, host: spec.host, port, clock: deps.clock });

  function persist(): void {
    if (!active) return;
    const record: RunRecord = {
      service: spec.service,
      environment: spec.environment,
      revision: spec.revision,
      version: spec.version,
      commit: spec.commit,
      controllerPid: process.pid,
      updatedAt: deps.clock.now(),
      probe: spec.probe,
      instances: members.flatMap((m) => {
        const pid = m.pid();
        return pid === null ? [] : [{ index: m.spec.index, pid, port: m.spec.port, startTime: m.startTime() }];
      }),
    };
    writeRunRecord(runFile, record);
  }

  function member(index: number, port: number, adoptedProbe?: InstanceProbeLike): SupervisedInstance {
    const instanceSpec: InstanceSpec = {
      index,
      // {port}: for a command that takes its port as a flag (`--port {port}`)
      argv: spec.argv.map((arg) => withPort(arg, port)),
      cwd: spec.cwd,
      env: {
        ...Object.fromEntries(Object.entries({ ...spec.env, ...overlay }).map(([k, v]) => [k, v && withPort(v, port)])),
        [spec.portEnv]: String(port),
      },
      host: spec.host,
      port,
      logPath: logFilePath(spec.stateDir, spec.service, spec.environment, spec.revision, index),
      stopTimeoutMs: spec.stopTimeoutMs,
      backoff: spec.backoff,
    };
    let pending = adoptedProbe;
    return createInstance(
      instanceSpec,
      {
        onProcess(instance) {
          // A new process starts unready: its probe starts over.
          probes.get(instance)?.stop();
          probes.set(instance, pending ?? newProbe(port));
          pending = undefined;
          persist();
        },
      },
      deps.clock,
    );
  }

  async function stopMember(m: SupervisedInstance): Promise<{ killed: boolean }> {
    const result = await m.stop();
    probes.get(m)?.stop();
    probes.delete(m);
    return result;
  }

  /** Alive, the same process (start time), and answering its ready check. */
  async function usable(pid: number, port: number, startTime: number | null): Promise<InstanceProbeLike | undefined> {
    if (!isAlive(pid) || (startTime !== null && processStartTime(pid) !== startTime)) return undefined;
    const probe = newProbe(port);
    for (let round = 0; round < spec.probe.failureThreshold; round += 1) {
      await probe.nextRound();
      if (probe.state().ready) return probe;
    }
    probe.stop();
    return undefined;
  }

  return {
    spec,
    async start(previous) {
      mkdirSync(path.join(spec.stateDir, 'logs'), { recursive: true });
      const counts = { adopted: 0, spawned: 0, discarded: 0 };
      const survivors = previous?.instances ?? [];
      const checks = await Promise.all(
        survivors.map(async (record) => ({
          record,
          probe: record.index < spec.desired ? await usable(record.pid, record.port, record.startTime) : undefined,
        })),
      );
      const taken = new Set<number>();
      for (const { record, probe } of checks) {
        if (probe && !taken.has(record.index)) {
          taken.add(record.index);
          const adopted = member(record.index, record.port, probe);
          members.push(adopted);
          adopted.adopt(record.pid);
          counts.adopted += 1;
        } else {
          probe?.stop();
          // Not usable (dead, unready, a reused pid, surplus): make sure nothing leaks.
          if (isAlive(record.pid) && (record.startTime === null || processStartTime(record.pid) === record.startTime)) {
            await stopGroup(record.pid, spec.stopTimeoutMs, deps.clock);
          }
          counts.discarded += 1;
        }
      }
      const usedPorts = new Set(members.map((m) => m.spec.port));
      for (let index = 0; index < spec.desired; index += 1) {
        if (taken.has(index)) continue;
        const port = await freePortNotIn(spec.host, spec.ports, usedPorts);
        usedPorts.add(port);
        const fresh = member(index, port);
        members.push(fresh);
        await fresh.spawn();
        counts.spawned += 1;
      }
      members.sort((a, b) => a.spec.index - b.spec.index);
      persist();
      return counts;
    },
    async stop() {
      const results = await Promise.all(members.map((m) => stopMember(m)));
      for (const probe of probes.values()) probe.stop();
      active = false;
      removeRunRecord(runFile);
      return { killed: results.filter((r) => r.killed).length };
    },
    useRules(rules) {
      spec.probe = rules;
      persist();
    },
    detach() {
      active = false;
      for (const m of members) m.detach();
      for (const probe of probes.values()) probe.stop();
    },
    async spawnReplacement(index, env, readyTimeoutMs, signal) {
      overlay = { ...overlay, ...env };
      const port = await freePortNotIn(spec.host, spec.ports, new Set(members.map((m) => m.spec.port)));
      const fresh = member(index, port);
      const discard = async (): Promise<void> => void (await stopMember(fresh));
      await fresh.spawn();
      const deadline = deps.clock.now() + readyTimeoutMs;
      while (!(fresh.pid() !== null && probes.get(fresh)?.state().ready)) {
        if (deps.clock.now() >= deadline || signal?.aborted) {
          const why = probes.get(fresh)?.state().lastError ?? 'no answer yet';
          await discard();
          // the operator's to act on (a readiness check the release does not pass), not an internal error
          throw new UserError(
            'LOCAL_NOT_READY',
            `the new process of instance ${index} was not ready after ${readyTimeoutMs}ms (last probe: ${why}); the old one keeps serving`,
            { status: 409 },
          );
        }
        await deps.clock.sleep(50);
      }
      return {
        port,
        swapIn() {
          const at = members.findIndex((m) => m.spec.index === index);
          const old = at === -1 ? undefined : members[at];
          if (at === -1) members.push(fresh);
          else members[at] = fresh;
          persist();
          return old;
        },
        discard,
      };
    },
    async retireReplaced(old) {
      await stopMember(old);
    },
    upstreams: () => members.map((m) => ({ host: spec.host, port: m.spec.port })),
    instances: () =>
      members.map((m) => {
        const state = probes.get(m)?.state();
        const running = m.pid() !== null;
        if (running && state?.ready) everReady.add(m);
        return {
          index: m.spec.index,
          pid: m.pid(),
          port: m.spec.port,
          ready: running && (state?.ready ?? false),
          live: running && (state?.live ?? false),
          consecutiveFailures: state?.consecutiveFailures ?? 0,
          lastError: state?.lastError ?? null,
          restarts: m.restarts(),
          lastExit: m.exits().last,
          repeatedExits: m.exits().repeated,
          everReady: everReady.has(m),
          logPath: m.spec.logPath,
        };
      }),
    restarts: () => members.reduce((sum, m) => sum + m.restarts(), 0),
  };
}

const withPort = (text: string, port: number): string => text.replaceAll('{port}', String(port));
