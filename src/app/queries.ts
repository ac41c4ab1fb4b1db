import { notFound } from '../core/errors.js';
import type { Approval, Release, RewindEvent, Rollback, RollbackDetail } from '../core/model.js';
import { currentRelease } from '../core/targets.js';
import type { AppContext } from './context.js';
import { resolveEnvironment } from './context.js';
import { syncWithPlatform } from './platform-sync.js';
import type { Attention } from './attention.js';
import { needsAttention } from './attention.js';

/** `rewind status --json`: stable field names, documented in the README. */
export interface ServiceStatus {
  service: string;
  environment: string;
  driver: string;
  live: { revision: number; version: string; status: Release['status'] } | null;
  /** revision → percent of traffic, as the platform reports it */
  weights: Record<string, number>;
  releases: {
    revision: number;
    version: string;
    status: Release['status'];
    ready: number;
    desired: number;
    healthy: boolean;
  }[];
  activeRollback: { id: string; status: Rollback['status']; kind: Rollback['kind']; toRevision: number } | null;
  pendingApprovals: { id: string; deadline: number; action: Approval['action']; reason: string }[];
  /** escalations nobody acted on yet and pending approvals, each with the command to run */
  needsAttention: Attention[];
}

export async function status(ctx: AppContext, service: string, environment?: string): Promise<ServiceStatus> {
  const env = resolveEnvironment(ctx, service, environment);
  const driver = ctx.driver(service);
  // the first look adopts the platform's history; a change made outside Rewind is recorded
  await syncWithPlatform(ctx, service, env).catch(() => []);
  const [releases, active, approvals, live] = await Promise.all([
    ctx.store.listReleases(service, env, 50),
    ctx.store.listRollbacks({ service, environment: env, status: ['planned', 'running'] }),
    ctx.store.listApprovals({ service, environment: env, status: ['pending'] }),
    driver.describe(service, env).catch(() => ({ releases: [], observed: false })),
  ]);
  const current = currentRelease(releases);
  const weights: Record<string, number> = {};
  for (const r of live.releases) if (r.weight > 0) weights[String(r.revision)] = r.weight;
  if (!live.observed && current) weights[String(current.revision)] = 100;
  const rollback = active[0];
  const attention = await needsAttention(ctx, service, env, releases, approvals);
  return {
    service,
    environment: env,
    driver: driver.type,
    live: current ? { revision: current.revision, version: current.version, status: current.status } : null,
    weights,
    releases: live.releases.map((r) => ({
      revision: r.revision,
      version: r.version,
      status: releases.find((x) => x.revision === r.revision)?.status ?? 'live',
      ready: r.ready,
      desired: r.desired,
      healthy: r.healthy,
    })),
    activeRollback: rollback
      ? { id: rollback.id, status: rollback.status, kind: rollback.kind, toRevision: rollback.toRevision }
      : null,
    pendingApprovals: approvals.map((a) => ({ id: a.id, deadline: a.deadline, action: a.action, reason: a.reason })),
    needsAttention: attention,
  };
}

export async function history(ctx: AppContext, service: string, environment?: string): Promise<Release[]> {
  return ctx.store.listReleases(service, resolveEnvironment(ctx, service, environment), 200);
}

export async function rollbacks(
  ctx: AppContext,
  query: { service?: string; environment?: string; limit?: number; visible?: string[] | null },
): Promise<Rollback[]> {
  return ctx.store.listRollbacks({
    ...(query.service ? { service: query.service } : {}),
    ...(query.environment ? { environment: query.environment } : {}),
    ...(query.visible ? { environments: query.visible } : {}),
    limit: query.limit ?? 50,
  });
}

export async function rollbackDetail(ctx: AppContext, id: string): Promise<RollbackDetail> {
  const detail = await ctx.store.getRollback(id);
  if (!detail) throw notFound(`rollback ${id}`, 'list them with: rewind rollbacks');
  return detail;
}

/** `visible`: only records of these environments (a token's limit); null or absent: all */
export interface EventsQuery {
  service?: string;
  environment?: string;
  rollbackId?: string;
  afterId?: number;
  limit?: number;
  visible?: string[] | null;
}

export async function events(ctx: AppContext, query: EventsQuery): Promise<RewindEvent[]> {
  return ctx.store.listEvents({
    ...(query.service ? { service: query.service } : {}),
    ...(query.environment ? { environment: query.environment } : {}),
    ...(query.visible ? { environments: query.visible } : {}),
    ...(query.rollbackId ? { rollbackId: query.rollbackId } : {}),
    ...(query.afterId !== undefined ? { afterId: query.afterId } : {}),
    limit: query.limit ?? 500,
  });
}
