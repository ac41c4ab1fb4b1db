/**
 * What needs a human now, for `rewind status`: an escalation nobody has acted
 * on yet and every pending approval, each with the exact command to run. Read
 * from the events (the audit log), so it survives a controller restart.
 */
import type { Approval, Release, RewindEvent } from '../core/model.js';
import { currentRelease } from '../core/targets.js';
import type { AppContext } from './context.js';

export interface Attention {
  kind:
    | 'escalated'
    | 'rollback-escalated'
    | 'rollback-failed'
    | 'approval'
    | 'not-serving'
    | 'readiness-changed'
    | 'stopped';
  reason: string;
  /** epoch ms */
  since: number;
  /** the command that acts on it */
  suggested: string;
  rollbackId: string | null;
  approvalId: string | null;
}

const RAISED = ['policy.escalated', 'rollback.escalated', 'rollback.failed'];
/** a human or Rewind acted after the escalation: it is no longer open */
const SETTLED = ['deploy.started', 'deploy.promoted', 'rollback.initiated', 'rollback.completed'];

/** The newest of the raising or settling events, read page by page (the store lists oldest first). */
async function lastOf(ctx: AppContext, service: string, environment: string): Promise<RewindEvent | null> {
  let last: RewindEvent | null = null;
  for (let afterId = 0; ;) {
    const page = await ctx.store.listEvents({
      service,
      environment,
      types: [...RAISED, ...SETTLED],
      afterId,
      limit: 1000,
    });
    if (page.length === 0) return last;
    last = page[page.length - 1] ?? last;
    afterId = last?.id ?? afterId;
    if (page.length < 1000) return last;
  }
}

export async function needsAttention(
  ctx: AppContext,
  service: string,
  environment: string,
  releases: Release[],
  approvals: Approval[],
): Promise<Attention[]> {
  const items: Attention[] = [];
  const env = `--env ${environment}`;
  const last = await lastOf(ctx, service, environment);
  if (last && RAISED.includes(last.type)) {
    const current = currentRelease(releases);
    // the bad release still serves: rolling it back is the runbook's next step
    const rollback = last.rollbackId ? await ctx.store.getRollback(last.rollbackId) : null;
    const bad = rollback ? rollback.fromRevision : last.revision;
    const stillServing = current !== null && (bad === null || current.revision === bad);
    const reason = String(last.data.reason ?? last.data.error ?? last.message);
    items.push({
      kind:
        last.type === 'policy.escalated'
          ? 'escalated'
          : last.type === 'rollback.failed'
            ? 'rollback-failed'
            : 'rollback-escalated',
      reason,
      since: last.at,
      suggested:
        stillServing || !last.rollbackId ? `rewind undo ${service} ${env}` : `rewind rollback show ${last.rollbackId}`,
      rollbackId: last.rollbackId,
      approvalId: null,
    });
  }
  for (const approval of approvals) {
    items.push({
      kind: 'approval',
      reason: approval.reason,
      since: approval.createdAt,
      suggested: `rewind approve ${approval.id}`,
      rollbackId: approval.rollbackId,
      approvalId: approval.id,
    });
  }
  return items;
}
