/**
 * Comparing what was asked of a front door with what it answers it has: a
 * traffic change is done only when the data plane itself says so.
 */
import type { Upstream } from '../types.js';

export interface DataPlaneView {
  releases: Record<string, Upstream[]>;
  weights: Record<string, number>;
}

const key = (ups: Upstream[]): string =>
  ups
    .map((u) => `${u.host}:${u.port}`)
    .sort()
    .join(',');

/** null when `actual` routes exactly as `asked`, else what differs (for the step's error). */
export function sameDataPlane(asked: DataPlaneView, actual: DataPlaneView): string | null {
  const revisions = new Set([...Object.keys(asked.weights), ...Object.keys(actual.weights)]);
  for (const revision of revisions) {
    const want = asked.weights[revision] ?? 0;
    const have = actual.weights[revision] ?? 0;
    if (want !== have) return `r${revision} has weight ${have}, asked ${want}`;
  }
  const releases = new Set([...Object.keys(asked.releases), ...Object.keys(actual.releases)]);
  for (const revision of releases) {
    const want = asked.releases[revision];
    const have = actual.releases[revision];
    if (want === undefined) return `r${revision} is still routed to, asked to remove it`;
    if (have === undefined || key(want) !== key(have)) return `r${revision} has other instances than asked`;
  }
  return null;
}
