/**
 * Pieces of the local driver that need none of its state: one operation at a
 * time per release, the weights a shift may ask for, and waiting for a
 * release's instances to pass their ready checks.
 */
import type { Clock } from '../../core/clock.js';
import { UserError, badRequest } from '../../core/errors.js';
import type { LiveRelease, Weights } from '../../core/ports/driver.js';
import type { ReleaseRef } from './options.js';
import type { InstanceView, ReleaseGroup } from './release-group.js';
import { lastOutputLines, logFilePath } from './run-file.js';

export const label = (r: ReleaseRef): string => `${r.service} ${r.version} (r${r.revision})`;

/** Runs the work given for one key after the previous work of that key settled. */
export function createSerializer(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const locks = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    locks.set(key, next);
    void next.catch(() => undefined).finally(() => locks.get(key) === next && locks.delete(key));
    return next;
  };
}

/** Revision → percent pairs, refused unless every percent is 0–100 and they add up to 100. */
export function weightEntries(weights: Weights): (readonly [number, number])[] {
  const entries = Object.entries(weights).map(([revision, weight]) => [Number(revision), weight] as const);
  if (
    entries.some(
      ([revision, weight]) => !Number.isInteger(revision) || !Number.isFinite(weight) || weight < 0 || weight > 100,
    )
  ) {
    throw badRequest(`weights must map revisions to percents 0–100, got ${JSON.stringify(weights)}`, 'LOCAL_WEIGHTS');
  }
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  if (Math.abs(total - 100) > 0.001) throw badRequest(`weights must add up to 100, got ${total}`, 'LOCAL_WEIGHTS');
  return entries;
}

export interface ReadyWait {
  clock: Clock;
  stateDir: string;
  /** the release's group as it is now (gone when it was retired meanwhile) */
  group(): ReleaseGroup | undefined;
  signal?: AbortSignal;
}

/** Resolves when every desired instance is ready; UserError naming the last probe and the log on timeout. */
export async function awaitGroupReady(release: ReleaseRef, timeoutMs: number, wait: ReadyWait): Promise<void> {
  const deadline = wait.clock.now() + timeoutMs;
  for (;;) {
    const group = wait.group();
    if (!group)
      throw new UserError('LOCAL_NOT_RUNNING', `${label(release)} is not running; start it first`, { status: 409 });
    const instances = group.instances();
    const ready = instances.filter((i) => i.ready).length;
    if (ready >= group.spec.desired) return;
    if (wait.clock.now() >= deadline) {
      const waiting = instances.find((i) => !i.ready);
      const log = logFilePath(
        wait.stateDir,
        release.service,
        release.environment,
        release.revision,
        waiting?.index ?? 0,
      );
      throw new UserError(
        'LOCAL_NOT_READY',
        `${label(release)}: ${ready}/${group.spec.desired} instances ready after ${timeoutMs}ms (last probe: ${waiting?.lastError ?? 'no answer yet'}); see ${log}`,
      );
    }
    await wait.clock.sleep(100, wait.signal);
  }
}

/** A running release as `describe` reports it. */
export function liveRelease(group: ReleaseGroup, weight: number): LiveRelease {
  const instances = group.instances();
  const ready = instances.filter((i) => i.ready).length;
  return {
    revision: group.spec.revision,
    version: group.spec.version,
    weight,
    ready,
    desired: group.spec.desired,
    healthy: ready >= group.spec.desired && instances.every((i) => i.live),
    readyCheck: group.spec.probe.readyPath,
    ...notReady(instances),
  };
}

/** A crash loop is the same exit this many times in a row before the instance was ever ready. */
const CRASH_LOOP_EXITS = 3;

/** Why the first instance that is not ready is not, and whether waiting can help. */
function notReady(instances: readonly InstanceView[]): Pick<LiveRelease, 'problem' | 'failing'> {
  const looping = instances.find((i) => !i.everReady && i.repeatedExits >= CRASH_LOOP_EXITS);
  if (looping) {
    const output = lastOutputLines(looping.logPath, 3);
    return {
      failing: true,
      problem: `instance ${looping.index} exited with ${looping.lastExit} ${looping.repeatedExits} times in a row before it was ever ready${output.length ? `; its last output: ${output.join(' ⏎ ')}` : ''}; log: ${looping.logPath}`,
    };
  }
  const waiting = instances.find((i) => !i.ready);
  if (!waiting) return {};
  const exited = waiting.pid === null && waiting.lastExit ? `exited with ${waiting.lastExit}, restarting; ` : '';
  return {
    problem: `instance ${waiting.index}: ${exited}last probe: ${waiting.lastError ?? 'no answer yet'}; log: ${waiting.logPath}`,
  };
}
