/**
 * The users part of the report's impact section, from the recorded
 * `rollback.impact`: users affected of users served (with the estimate's
 * error bound), the failing features, the window counted, and the optional
 * revenue estimate — always labelled an estimate and showing its inputs.
 */

export interface ReportUsers {
  /** how users were told apart, e.g. `header X-User-Id` */
  key: string;
  affected: number;
  served: number;
  /** affected ÷ served, 0–1 */
  ratio: number;
  /** how far the true number affected may be from `affected` (0: counted exactly) */
  errorBound: number;
  servedErrorBound: number;
}

export interface ReportFeature {
  name: string;
  usersAffected: number;
  failedRequests: number;
  usersServed: number;
  requests: number;
}

/** The cost model of `impact.cost` in rewind.yaml. */
export interface CostModel {
  perFailedRequest?: number;
  perFeature?: Record<string, number>;
  currency?: string;
}

export interface ReportCost {
  estimate: true;
  amount: number;
  currency: string;
  /** each line of the sum: what was priced, how many, at what price */
  inputs: { what: string; count: number; price: number }[];
}

export interface ImpactUsersPart {
  users: ReportUsers | null;
  features: ReportFeature[];
  /** attempts the release failed, retried ones included; null when not counted apart */
  failedAttempts: number | null;
  /** the window the counts cover */
  window: { from: number; to: number } | null;
  cost: ReportCost | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function usersOf(value: unknown): ReportUsers | null {
  if (typeof value !== 'object' || value === null) return null;
  const u = value as Record<string, unknown>;
  const affected = num(u.affected);
  const served = num(u.served);
  if (affected === null || served === null || typeof u.key !== 'string') return null;
  return {
    key: u.key,
    affected,
    served,
    ratio: num(u.ratio) ?? (served === 0 ? 0 : affected / served),
    errorBound: num(u.errorBound) ?? 0,
    servedErrorBound: num(u.servedErrorBound) ?? 0,
  };
}

function featuresOf(value: unknown): ReportFeature[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null && typeof f.name === 'string')
    .map((f) => ({
      name: f.name as string,
      usersAffected: num(f.usersAffected) ?? 0,
      failedRequests: num(f.failedRequests) ?? 0,
      usersServed: num(f.usersServed) ?? 0,
      requests: num(f.requests) ?? 0,
    }));
}

/** Prices failed requests: a feature's own price where one is set, else perFailedRequest. */
export function estimateCost(
  model: CostModel | undefined,
  failedRequests: number | null,
  features: ReportFeature[],
): ReportCost | null {
  if (model === undefined || failedRequests === null) return null;
  const perFeature = model.perFeature ?? {};
  const inputs: ReportCost['inputs'] = [];
  let priced = 0;
  for (const feature of features) {
    const price = perFeature[feature.name];
    if (price === undefined || feature.failedRequests === 0) continue;
    inputs.push({ what: `failed ${feature.name} requests`, count: feature.failedRequests, price });
    priced += feature.failedRequests;
  }
  const rest = Math.max(0, failedRequests - priced);
  if (model.perFailedRequest !== undefined && rest > 0)
    inputs.push({ what: 'other failed requests', count: rest, price: model.perFailedRequest });
  if (inputs.length === 0 && model.perFailedRequest === undefined && Object.keys(perFeature).length === 0) return null;
  const amount = Math.round(inputs.reduce((sum, i) => sum + i.count * i.price, 0) * 100) / 100;
  return { estimate: true, amount, currency: model.currency ?? 'USD', inputs };
}

/** The users part of the impact, from a recorded `rollback.impact` (null when none was recorded). */
export function impactUsersPart(
  counted: Record<string, unknown> | null,
  failedRequests: number | null,
  cost: CostModel | undefined,
): ImpactUsersPart & { usersNotMeasured: string | null } {
  const measured = counted?.measured === true;
  const features = measured ? featuresOf(counted.features) : [];
  const from = measured ? num(counted.countedFrom) : null;
  const to = measured ? num(counted.countedUntil) : null;
  return {
    users: measured ? usersOf(counted.users) : null,
    features,
    failedAttempts: measured ? num(counted.failedAttempts) : null,
    window: from !== null && to !== null ? { from, to } : null,
    cost: estimateCost(cost, failedRequests, features),
    usersNotMeasured: measured && typeof counted.usersNotMeasured === 'string' ? counted.usersNotMeasured : null,
  };
}
