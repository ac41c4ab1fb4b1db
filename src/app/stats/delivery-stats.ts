/**
 * The delivery figures a team reports (the DORA four, as far as Rewind sees
 * them), per service and environment over a period, computed from what the store
 * already records: every release, every rollback and its recovery moments.
 *
 * - deployments: releases created in the period (drill copies excluded)
 * - failedChanges: those of them that a rollback took traffic from, or that
 *   escalated to a human
 * - timeToRestore: first bad signal (or the decision, when nothing detected it)
 *   to traffic back on the good release, over the period's non-drill rollbacks
 * - leadTimeMs: change made (git: commit time) to promoted, median; null when the
 *   driver cannot tell when a change was made
 */
import { isDuration, parseDuration } from '../../core/duration.js';
import { UserError } from '../../core/errors.js';
import type { Release, Rollback } from '../../core/model.js';
import { measureRecoveryTimes } from '../../report/index.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { incidentEvents } from '../record/incident.js';

export interface DeliveryStats {
  service: string;
  environment: string;
  deployments: number;
  failedChanges: number;
  changeFailureRate: number | null;
  timeToRestore: { medianMs: number | null; p90Ms: number | null; count: number };
  deploymentsPerDay: number;
  leadTimeMs: number | null;
}

export interface StatsQuery {
  /** a duration back from now; default 90d */
  since?: string;
  service?: string;
  environment?: string;
}

const DAY_MS = 86_400_000;

/** Nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

async function restoreTimes(ctx: AppContext, rollbacks: readonly Rollback[]): Promise<number[]> {
  const out: number[] = [];
  for (const rollback of rollbacks) {
    const moments = measureRecoveryTimes(await incidentEvents(ctx, rollback.id));
    const start = moments.detectedAt ?? moments.decidedAt;
    if (start !== null && moments.trafficRestoredAt !== null) out.push(Math.max(0, moments.trafficRestoredAt - start));
  }
  return out.sort((a, b) => a - b);
}

async function leadTime(ctx: AppContext, service: string, releases: readonly Release[]): Promise<number | null> {
  const driver = ctx.driver(service);
  if (!driver.changeTime) return null;
  const times: number[] = [];
  for (const release of releases) {
    if (release.promotedAt === null) continue;
    const changedAt = await driver.changeTime(release).catch(() => null);
    if (changedAt !== null) times.push(Math.max(0, release.promotedAt - changedAt));
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

async function statsOf(ctx: AppContext, service: string, environment: string, from: number, now: number) {
  const all = await ctx.store.listReleases(service, environment, 100_000);
  const rollbacks = (await ctx.store.listRollbacks({ service, environment, limit: 100_000 })).filter(
    (r) => r.scope === 'service' || r.scope === 'environment',
  );
  const drillCopies = new Set(rollbacks.filter((r) => r.kind === 'drill').map((r) => r.fromRevision));
  const releases = all.filter((r) => r.createdAt >= from && r.createdAt <= now && !drillCopies.has(r.revision));
  const real = rollbacks.filter((r) => r.kind !== 'drill');
  const rolledBackFrom = new Set(real.map((r) => r.fromRevision));
  const failed = releases.filter((r) => r.status === 'rolled-back' || rolledBackFrom.has(r.revision));
  const inPeriod = real.filter((r) => r.createdAt >= from && r.createdAt <= now);
  const restores = await restoreTimes(ctx, inPeriod);
  const firstRelease = all.at(-1)?.createdAt ?? now;
  const days = Math.max(1, (now - Math.max(from, firstRelease)) / DAY_MS);
  const stats: DeliveryStats = {
    service,
    environment,
    deployments: releases.length,
    failedChanges: failed.length,
    changeFailureRate: releases.length ? failed.length / releases.length : null,
    timeToRestore: { medianMs: percentile(restores, 50), p90Ms: percentile(restores, 90), count: restores.length },
    deploymentsPerDay: releases.length / days,
    leadTimeMs: await leadTime(ctx, service, releases),
  };
  return stats;
}

/** One row per service and environment that had releases in [from, to], or every row of the one service asked for. */
export async function statsRows(
  ctx: AppContext,
  query: Pick<StatsQuery, 'service' | 'environment'>,
  from: number,
  to: number,
): Promise<DeliveryStats[]> {
  const config = ctx.loaded.config;
  if (query.service) serviceConfig(ctx, query.service);
  const rows: DeliveryStats[] = [];
  for (const service of query.service ? [query.service] : Object.keys(config.services)) {
    for (const environment of config.services[service]?.environments ?? Object.keys(config.environments)) {
      if (query.environment && environment !== query.environment) continue;
      const row = await statsOf(ctx, service, environment, from, to);
      if (row.deployments > 0 || query.service) rows.push(row);
    }
  }
  return rows;
}

export function periodMs(value: string | undefined, fallback: string, flag: string): number {
  if (value !== undefined && !isDuration(value))
    throw new UserError('BAD_REQUEST', `${flag} expects a duration like "90d" or "12h", got ${JSON.stringify(value)}`, {
      exitCode: 2,
    });
  return parseDuration(value ?? fallback);
}

/** `rewind stats`: the figures over the period up to now. */
export async function deliveryStats(
  ctx: AppContext,
  query: StatsQuery = {},
): Promise<{ since: number; until: number; services: DeliveryStats[] }> {
  const now = ctx.clock.now();
  const from = now - periodMs(query.since, '90d', '--since');
  return { since: from, until: now, services: await statsRows(ctx, query, from, now) };
}
