/**
 * Runbook: "watch the restored release closely" — until the fix ships. A deploy
 * of the same service and environment that begins while the restored release is
 * watched ends that watch early: the fix gets its own analysis, and the rollback
 * ends `superseded`, saying by which release. The deploy's side is
 * `supersedableRollback` (the only thing left to do is the watch); this side
 * looks in the store, so it sees a deploy made through any controller or CLI.
 */
import type { Release, RollbackDetail } from '../../core/model.js';
import type { AppContext } from '../context.js';

/** How often the watch looks for a newer deploy: well within a deploy's start-up. */
const LOOK_EVERY_MS = 250;

/** True when a running rollback has nothing left but its post-rollback watch. */
export function onlyWatchLeft(rollback: RollbackDetail): boolean {
  if (rollback.status !== 'running') return false;
  const left = rollback.steps.filter((s) => s.status !== 'done' && s.status !== 'skipped');
  return left.length > 0 && left.every((s) => s.name === 'watch');
}

export interface Superseding {
  /** aborted once a newer release of the service and environment was created */
  signal: AbortSignal;
  /** why the watch ended early, or null */
  reason(): string | null;
  stop(): void;
}

/** Looks for a release created after `since` above `release` until stopped or `signal` aborts. */
export function watchForSuperseding(
  ctx: AppContext,
  release: Release,
  since: number,
  durationMs: number,
  signal: AbortSignal,
): Superseding {
  const found = new AbortController();
  const stopped = new AbortController();
  const until = AbortSignal.any([stopped.signal, signal, found.signal]);
  let reason: string | null = null;
  void (async () => {
    while (!until.aborted) {
      const releases = await ctx.store.listReleases(release.service, release.environment, 5).catch(() => []);
      const newer = releases.find(
        (r) => r.revision > release.revision && r.createdAt >= since && r.status !== 'failed',
      );
      if (newer) {
        const watched = Math.round((ctx.clock.now() - since) / 1000);
        reason =
          `superseded by ${newer.service} ${newer.version} (revision ${newer.revision}, deployed by ${newer.deployedBy}) ` +
          `after ${watched}s of the ${Math.round(durationMs / 1000)}s watch`;
        found.abort();
        return;
      }
      await ctx.clock.sleep(LOOK_EVERY_MS, until).catch(() => undefined);
    }
  })();
  return { signal: found.signal, reason: () => reason, stop: () => stopped.abort() };
}
