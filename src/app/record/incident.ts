import { notFound } from '../../core/errors.js';
import type { RewindEvent } from '../../core/model.js';
import type { EventQuery } from '../../core/ports/store.js';
import { buildIncidentReport, type IncidentReport } from '../../report/index.js';
import type { AppContext } from '../context.js';
import { targetsFor } from './targets.js';

/** What happened before a rollback and explains it: the monitor's findings and the humans' answers. */
const EPISODE_TYPES = [
  'trigger.fired',
  'trigger.shadow-fired',
  'alert.received',
  'decision.made',
  'approval.requested',
  'approval.approved',
  'approval.rejected',
  'approval.timeout',
  'drill.started',
];

/** Every event matching a query, page by page (the store answers oldest first). */
export async function allEvents(ctx: AppContext, query: Omit<EventQuery, 'limit'>): Promise<RewindEvent[]> {
  const out: RewindEvent[] = [];
  let afterId = query.afterId ?? 0;
  for (;;) {
    const page = await ctx.store.listEvents({ ...query, afterId, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    afterId = page.at(-1)?.id ?? afterId;
  }
}

/**
 * The events of one incident: every event of the rollback, plus the triggers,
 * decisions and approvals about the bad release since it was deployed (the
 * evidence of the report), up to the moment the rollback began.
 */
export async function incidentEvents(ctx: AppContext, rollbackId: string): Promise<RewindEvent[]> {
  const rollback = await ctx.store.getRollback(rollbackId);
  if (!rollback) throw notFound(`rollback ${rollbackId}`, 'list them with: rewind rollbacks');
  const own = await allEvents(ctx, { rollbackId });
  const startedAt = own[0]?.at ?? rollback.createdAt;
  const scope = { service: rollback.service, environment: rollback.environment };
  let afterId = 0;
  if (rollback.fromRevision !== null) {
    // the episode starts with the deploy of the release being rolled back
    const deploys = await allEvents(ctx, { ...scope, types: ['deploy.started'] });
    afterId = (deploys.filter((e) => e.revision === rollback.fromRevision).at(-1)?.id ?? 1) - 1;
  }
  const before = await allEvents(ctx, { ...scope, afterId, types: EPISODE_TYPES });
  const episode = before.filter((e) => e.at <= startedAt && e.rollbackId === null);
  return [...episode, ...own].sort((a, b) => a.at - b.at || a.id - b.id);
}

/** The incident report of a rollback, built from the store with its environment's targets. */
export async function incidentReport(ctx: AppContext, rollbackId: string): Promise<IncidentReport> {
  const events = await incidentEvents(ctx, rollbackId);
  const rollback = await ctx.store.getRollback(rollbackId);
  if (!rollback) throw notFound(`rollback ${rollbackId}`, 'list them with: rewind rollbacks');
  const targets = targetsFor(ctx.loaded.config, rollback.environment);
  const errorBudget =
    ctx.loaded.config.environments[rollback.environment]?.targets?.errorBudget ??
    ctx.loaded.config.targets?.errorBudget;
  return buildIncidentReport({
    rollback,
    events,
    ...(targets ? { targets } : {}),
    ...(errorBudget ? { errorBudget } : {}),
    ...(ctx.loaded.config.impact?.cost ? { cost: ctx.loaded.config.impact.cost } : {}),
    generatedAt: ctx.clock.now(),
  });
}
