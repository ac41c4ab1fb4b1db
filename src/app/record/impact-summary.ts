/** The few numbers of a recorded `rollback.impact` that a list of rollbacks shows. */

export interface ImpactSummary {
  failedRequests: number | null;
  totalRequests: number | null;
  /** null when users were not counted (no user key) */
  usersAffected: number | null;
  usersServed: number | null;
  usersAffectedRatio: number | null;
  /** how far the true number affected may be from usersAffected (0: exact) */
  errorBound: number | null;
  /** features with requests that failed for their users, most failures first */
  failingFeatures: { name: string; usersAffected: number; failedRequests: number }[];
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function impactSummary(impact: unknown): ImpactSummary | null {
  if (typeof impact !== 'object' || impact === null) return null;
  const i = impact as Record<string, unknown>;
  if (i.measured !== true) return null;
  const users = typeof i.users === 'object' && i.users !== null ? (i.users as Record<string, unknown>) : null;
  const features = Array.isArray(i.features) ? (i.features as Record<string, unknown>[]) : [];
  return {
    failedRequests: num(i.failedRequests),
    totalRequests: num(i.totalRequests),
    usersAffected: num(users?.affected),
    usersServed: num(users?.served),
    usersAffectedRatio: num(users?.ratio),
    errorBound: num(users?.errorBound),
    failingFeatures: features
      .filter((f) => (num(f.failedRequests) ?? 0) > 0)
      .map((f) => ({
        name: String(f.name),
        usersAffected: num(f.usersAffected) ?? 0,
        failedRequests: num(f.failedRequests) ?? 0,
      })),
  };
}
