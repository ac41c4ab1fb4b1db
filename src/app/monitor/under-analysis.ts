/**
 * Which releases a monitor is analysing right now, per context. A rejected
 * approval ("keep this release") must not promote a release whose analysis is
 * still running: the analysis goes on to its end and promotes it then.
 */
import type { AppContext } from '../context.js';

const running = new WeakMap<object, Map<string, number>>();

/** Marks `releaseId` as under analysis until the returned function is called. */
export function markUnderAnalysis(ctx: AppContext, releaseId: string): () => void {
  let ids = running.get(ctx.root);
  if (!ids) running.set(ctx.root, (ids = new Map()));
  const map = ids;
  map.set(releaseId, (map.get(releaseId) ?? 0) + 1);
  return () => {
    const left = (map.get(releaseId) ?? 1) - 1;
    if (left <= 0) map.delete(releaseId);
    else map.set(releaseId, left);
  };
}

export function isUnderAnalysis(ctx: AppContext, releaseId: string): boolean {
  return (running.get(ctx.root)?.get(releaseId) ?? 0) > 0;
}
