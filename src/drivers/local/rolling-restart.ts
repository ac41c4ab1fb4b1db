/**
 * The runbook's "manual service restart" without a gap: one instance at a time,
 * start its replacement, wait until it answers ready, put it in the switch's
 * pool in the old one's place, then let the old one finish what it is serving
 * and stop it. The pool never shrinks below `instances`, so the front door keeps
 * answering; a replacement that never gets ready is stopped and the old process
 * keeps serving (the restart fails, nothing is lost).
 */
import type { Clock } from '../../core/clock.js';
import type { RestartOptions } from '../../core/ports/driver.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import type { ReleaseGroup } from './release-group.js';
import { sameRules } from './release-spec.js';
import type { ProbeRules } from './run-file.js';

export interface RollingRestartOptions {
  clock: Clock;
  /** how long one replacement may take to answer ready */
  readyTimeoutMs: number;
  /**
   * Pause between taking the old process out of the pool and stopping it, so a
   * request the switch already routed to it gets connected first (generous: a
   * busy host can take long to run the connect callback); default 1000
   */
  settleMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Replaces every instance of `group`; returns how many were replaced. */
export async function rollingRestart(
  group: ReleaseGroup,
  target: TrafficSwitch,
  env: Record<string, string>,
  options: RollingRestartOptions,
): Promise<number> {
  const { revision } = group.spec;
  const indexes = group.instances().map((i) => i.index);
  let replaced = 0;
  for (const index of indexes) {
    if (options.signal?.aborted) throw new Error(`restart interrupted after ${replaced} of ${indexes.length}`);
    const replacement = await group.spawnReplacement(index, env, options.readyTimeoutMs, options.signal);
    const old = replacement.swapIn();
    target.setUpstreams(revision, group.upstreams());
    // a front door in its own process (or HAProxy) has the new pool only once it says so
    await target.settled?.();
    options.log?.(`instance ${index}: new process on port ${replacement.port} serves`);
    if (old) {
      await options.clock.sleep(options.settleMs ?? 1000);
      // SIGTERM: a well-behaved service finishes its in-flight requests before exiting
      await group.retireReplaced(old);
      options.log?.(`instance ${index}: old process on port ${old.spec.port} stopped`);
    }
    replaced += 1;
  }
  return replaced;
}

/** The driver's `restart`: the rolling restart of one running release, with its journal lines. */
export async function restartGroup(
  group: ReleaseGroup,
  target: TrafficSwitch,
  label: string,
  clock: Clock,
  call: RestartOptions & { rules?: ProbeRules },
): Promise<string> {
  const env = call.env ?? {};
  // fresh processes must pass the checks the config asks for now; if one does not, the old keep serving
  const before = group.spec.probe;
  const changed = call.rules !== undefined && !sameRules(before, call.rules);
  if (changed && call.rules) group.useRules(call.rules);
  const done = await rollingRestart(group, target, env, {
    clock,
    readyTimeoutMs: call.readyTimeoutMs ?? 60_000,
    ...(call.signal ? { signal: call.signal } : {}),
    log: (line) => call.log?.(`${label}: ${line}`),
  }).catch((error: unknown) => {
    if (changed) group.useRules(before);
    throw error;
  });
  const names = Object.keys(env);
  const message = `${label}: ${done} instances restarted one by one${names.length ? ` with ${names.join(', ')}` : ''}`;
  call.log?.(message);
  return message;
}
