import type { Approval, Release, Rollback } from '../../core/model.js';
import { parseDuration } from '../../core/duration.js';
import type { AppContext } from '../context.js';
import type { ServiceStatus } from '../queries.js';
import { status } from '../queries.js';

/** One cell of the dashboard's services × environments grid. */
export interface OverviewCell extends ServiceStatus {
  protected: boolean;
  healthy: boolean | null;
  /** the release under analysis and how far along it is (0–1), or null */
  analysis: { revision: number; version: string; progress: number; endsAt: number } | null;
  /** the step the active rollback is on, if one is running */
  currentStep: { index: number; title: string; status: string; total: number } | null;
  /** the newest escalated rollback, when no newer one succeeded */
  escalation: Pick<Rollback, 'id' | 'error' | 'finishedAt' | 'toRevision'> | null;
  pendingApprovalsDetail: Pick<Approval, 'id' | 'deadline' | 'action' | 'reason' | 'requestedBy'>[];
  /** a person should look: a rollback running, an approval waiting, an escalation, an unhealthy release */
  attention: boolean;
}

export interface Overview {
  at: number;
  environments: string[];
  services: string[];
  cells: OverviewCell[];
}

function analysisOf(releases: Release[], durationMs: number, now: number): OverviewCell['analysis'] {
  const analyzing = releases.find((r) => r.status === 'analyzing');
  if (!analyzing) return null;
  const endsAt = analyzing.updatedAt + durationMs;
  const progress = durationMs > 0 ? Math.min(1, Math.max(0, (now - analyzing.updatedAt) / durationMs)) : 1;
  return { revision: analyzing.revision, version: analyzing.version, progress, endsAt };
}

async function cell(ctx: AppContext, service: string, environment: string): Promise<OverviewCell> {
  const config = ctx.loaded.config.services[service]!;
  const [base, releases, recent, approvals] = await Promise.all([
    status(ctx, service, environment),
    ctx.store.listReleases(service, environment, 20),
    ctx.store.listRollbacks({ service, environment, limit: 5 }),
    ctx.store.listApprovals({ service, environment, status: ['pending'] }),
  ]);
  let currentStep: OverviewCell['currentStep'] = null;
  if (base.activeRollback) {
    const detail = await ctx.store.getRollback(base.activeRollback.id);
    const step = detail?.steps.find((s) => s.status === 'running') ?? detail?.steps.find((s) => s.status === 'pending');
    if (detail && step)
      currentStep = { index: step.index, title: step.title, status: step.status, total: detail.steps.length };
  }
  // an escalation stays on the board until a later rollback of the same pair succeeds
  const newest = recent.find((r) => r.status !== 'planned' && r.status !== 'running');
  const escalation =
    newest && (newest.status === 'escalated' || newest.status === 'failed')
      ? { id: newest.id, error: newest.error, finishedAt: newest.finishedAt, toRevision: newest.toRevision }
      : null;
  const healthy = base.releases.length
    ? base.releases.every((r) => r.healthy || !base.weights[String(r.revision)])
    : null;
  const analysis = analysisOf(releases, parseDuration(config.analysis.duration), ctx.clock.now());
  return {
    ...base,
    protected: ctx.loaded.config.environments[environment]?.protected ?? false,
    healthy,
    analysis,
    currentStep,
    escalation,
    pendingApprovalsDetail: approvals.map((a) => ({
      id: a.id,
      deadline: a.deadline,
      action: a.action,
      reason: a.reason,
      requestedBy: a.requestedBy,
    })),
    attention: Boolean(
      base.activeRollback || approvals.length || escalation || healthy === false || base.needsAttention.length,
    ),
  };
}

/** Every service in every environment it is deployed to, as the dashboard's first page shows them. */
export async function overview(ctx: AppContext): Promise<Overview> {
  const { config } = ctx.loaded;
  const environments = Object.keys(config.environments);
  const services = Object.keys(config.services);
  const pairs = services.flatMap((s) => (config.services[s]!.environments ?? environments).map((e) => [s, e] as const));
  return {
    at: ctx.clock.now(),
    environments,
    services,
    cells: await Promise.all(pairs.map(([s, e]) => cell(ctx, s, e))),
  };
}
