import type { Release } from './model.js';

/** The release serving the environment now: live, or one under analysis. */
export function currentRelease(releases: Release[]): Release | null {
  return (
    [...releases]
      .sort((a, b) => b.revision - a.revision)
      .find((r) => r.status === 'live' || r.status === 'analyzing') ?? null
  );
}

/**
 * The last good release before `current`: one that was promoted once and was not
 * itself rolled back or failed (runbook: "revert to the previous good version").
 * While `current` is under analysis the previous release is still `live`.
 */
export function previousGoodRelease(releases: Release[], current: Release | null): Release | null {
  return (
    [...releases]
      .sort((a, b) => b.revision - a.revision)
      .find(
        (r) =>
          (current ? r.revision < current.revision : true) &&
          r.promotedAt !== null &&
          (r.status === 'superseded' || r.status === 'retired' || r.status === 'live'),
      ) ?? null
  );
}

/** Why a release cannot be a rollback target, or null when it can. */
export function targetProblem(target: Release, current: Release | null): string | null {
  if (current && target.revision === current.revision) return `revision ${target.revision} is already live`;
  if (target.status === 'failed') return `revision ${target.revision} never became ready`;
  if (target.promotedAt === null && target.status !== 'superseded' && target.status !== 'retired')
    return `revision ${target.revision} was never promoted`;
  return null;
}

/**
 * Why the dashboard offers no "Roll back" to a release, or null when it offers
 * one: a target `undo` refuses, or a release that was itself rolled back (runbook:
 * "revert to the previous good version" — one taken away for being bad is not
 * that; `undo --to-revision` can still name it on purpose).
 */
export function notOfferedAsTarget(target: Release, current: Release | null): string | null {
  if (target.status === 'rolled-back') return `revision ${target.revision} was itself rolled back`;
  return targetProblem(target, current);
}
