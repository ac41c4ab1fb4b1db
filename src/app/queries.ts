import { notFound } from '../core/errors.js';
import type { Approval, Release, RewindEvent, Rollback, RollbackDetail } from '../core/model.js';
import { currentRelease } from '../core/targets.js';
import type { AppContext } from './context.js';
import { resolveEnvironment, serviceConfig } from './context.js';
import { parseDuration } from '../core/duration.js';
import { syncWithPlatform } from './platform-sync.js';
import type { Attention } from './attention.js';
import { needsAttention } from './attention.js';
import { servingAttention } from './ops/serving-attention.js';
import { stoppedState, type StoppedState } from './ops/service-stopped.js';
import { impactSummary } from './record/impact-summary.js';
import type { ImpactSummary } from './record/impact-summary.js';

/** `rewind status --json`: stable field names, documented in docs/reference/cli-usage.md. */
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
  activeRollback: {
    id: string;
    status: Rollback['status'];
    kind: Rollback['kind'];
    toRevision: number;
    /** traffic is back and the restored release is watched until then (epoch ms); null before or without a watch */
    watchEndsAt: number | null;
  } | null;
  pendingApprovals: { id: string; deadline: number; action: Approval['action']; reason: string }[];
  /** escalations nobody acted on yet, pending approvals, a live release that serves nobody or keeps an older readiness check, a deliberate stop; each with the command to run */
  needsAttention: Attention[];
  /** set while the service is stopped on purpose (`rewind stop`) until `rewind start` */
  stopped: StoppedState | null;
  /**
   * the live release's rollback window: until then its triggers and alerts still roll it
   * back by policy; null outside the window
   */
  rollbackWindow: { endsAt: number; leftMs: number } | null;
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
  const rollback = active[0] ? await ctx.store.getRollback(active[0].id) : undefined;
  const stopped = await stoppedState(ctx, service, env);
  const attention = [
    ...(await needsAttention(ctx, service, env, releases, approvals)),
    ...(await servingAttention(ctx, { service, environment: env, current, live, stopped, rollingBack: !!active[0] })),
  ];
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
      ? {
          id: rollback.id,
          status: rollback.status,
          kind: rollback.kind,
          toRevision: rollback.toRevision,
          watchEndsAt: watchEndsAt(rollback),
        }
      : null,
    pendingApprovals: approvals.map((a) => ({ id: a.id, deadline: a.deadline, action: a.action, reason: a.reason })),
    needsAttention: attention,
    stopped,
    rollbackWindow: windowOf(current, parseDuration(serviceConfig(ctx, service).rollbackWindow), ctx.clock.now()),
  };
}

function windowOf(live: Release | null, windowMs: number, now: number): ServiceStatus['rollbackWindow'] {
  if (!live || live.status !== 'live' || live.promotedAt === null) return null;
  const endsAt = live.promotedAt + windowMs;
  return endsAt > now ? { endsAt, leftMs: endsAt - now } : null;
}

export async function history(ctx: AppContext, service: string, environment?: string): Promise<Release[]> {
  return ctx.store.listReleases(service, resolveEnvironment(ctx, service, environment), 200);
}

export async function rollbacks(
  ctx: AppContext,
  query: { service?: string; environment?: string; limit?: number; visible?: string[] | null },
): Promise<RollbackWithImpact[]> {
  const list = await ctx.store.listRollbacks({
    ...(query.service ? { service: query.service } : {}),
    ...(query.environment ? { environment: query.environment } : {}),
    ...(query.visible ? { environments: query.visible } : {}),
    limit: query.limit ?? 50,
  });
  return withImpact(ctx, list);
}

/** A rollback in a list, with what its users met once measured (`rollback.impact`). */
export type RollbackWithImpact = Rollback & { impact: ImpactSummary | null };

async function withImpact(ctx: AppContext, list: Rollback[]): Promise<RollbackWithImpact[]> {
  return Promise.all(
    list.map(async (rollback) => {
      const [event] = await ctx.store.listEvents({ rollbackId: rollback.id, types: ['rollback.impact'], limit: 1 });
      return { ...rollback, impact: event ? impactSummary(event.data.impact) : null };
    }),
  );
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

/** When the post-rollback watch that runs now ends: traffic is already back on the restored release. */
export function watchEndsAt(rollback: RollbackDetail): number | null {
  const watching = rollback.steps.find((s) => s.name === 'watch' && s.status === 'running');
  const durationMs = Number(watching?.params.durationMs);
  return watching?.startedAt && Number.isFinite(durationMs) ? watching.startedAt + durationMs : null;
}
