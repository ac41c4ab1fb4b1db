/**
 * What an approval leads to: an approved or timed-out-to-rollback
 * decision rolls the bad release back; an approved protected undo runs the
 * undo that was asked for; a rejected (or ignored) decision taken during
 * analysis promotes the release, since a human judged it good enough — once
 * its analysis is over (a running analysis promotes it itself at its end).
 */
import type { Approval, RollbackDetail, RollbackKind } from '../../core/model.js';
import { currentRelease } from '../../core/targets.js';
import type { AppContext } from '../context.js';
import { promote } from '../deploy.js';
import { planUndo } from '../undo.js';
import { planGroupUndo } from '../group/undo-group.js';
import { isUnderAnalysis } from '../monitor/under-analysis.js';

/** A decision the monitor asked a human about. */
export interface DecisionPayload {
  kind: 'decision';
  phase: 'analysis' | 'live';
  revision: number;
  previousRevision: number | null;
  trigger: string | null;
  rule: string;
}

/** What served in one (service, environment) when an approval was requested. */
export interface LiveRelease {
  service: string;
  environment: string;
  revision: number | null;
  version: string | null;
}

/** A manual undo in a protected environment, waiting for a second person. */
export interface UndoPayload {
  kind: 'undo';
  request: { toRevision?: number; reason?: string; emergency?: boolean };
  /** the state it was asked against; a change makes the approval stale */
  live?: LiveRelease[];
}

/** A drill in a protected environment. */
export interface DrillPayload {
  kind: 'drill';
  request: { environment: string; service?: string; fault?: string; faultAfterMs?: number; timeoutMs?: number };
  live: LiveRelease[];
}

/** A database change (restore, migrate-down, read-only) of a database used in a protected environment. */
export interface DbPayload {
  kind: 'db';
  op: 'restore' | 'migrate-down' | 'read-only';
  database?: string;
  /** the backup to restore */
  backupId?: string;
  request: Record<string, unknown>;
  live: LiveRelease[];
  /** every protected environment the change touches (the approval's own is the first) */
  environments?: string[];
}

/** `undo --all` / `--group` in a protected environment: one approval for the whole plan. */
export interface GroupUndoPayload {
  kind: 'group-undo';
  request: { group?: string; reason?: string; emergency?: boolean };
  live: LiveRelease[];
}

export type ApprovalPayload = DecisionPayload | UndoPayload | DrillPayload | DbPayload | GroupUndoPayload;

/** Starts (and possibly awaits) a saved rollback: the caller decides how it is tracked. */
export type RunRollback = (rollbackId: string) => Promise<RollbackDetail>;

/** Plans and runs the rollback an approval stands for; null when there is nothing left to roll back. */
export async function runApprovedRollback(
  ctx: AppContext,
  approval: Approval,
  kind: RollbackKind,
  by: string,
  run: RunRollback,
): Promise<RollbackDetail | null> {
  const payload = approval.payload as unknown as ApprovalPayload;
  if (payload.kind === 'drill' || payload.kind === 'db') return null;
  if (payload.kind === 'group-undo') {
    const planned = await planGroupUndo(ctx, {
      ...payload.request,
      environment: approval.environment,
      reason: `${payload.request.reason?.trim() || `manual rollback of ${approval.service} requested by ${approval.requestedBy}`} (approved by ${by}, approval ${approval.id})`,
      actor: { name: approval.requestedBy },
      approved: true,
    });
    return planned.rollback ? run(planned.rollback.id) : null;
  }
  if (payload.kind === 'undo') {
    const planned = await planUndo(ctx, {
      service: approval.service,
      environment: approval.environment,
      ...payload.request,
      reason: `${payload.request.reason?.trim() || `manual rollback requested by ${approval.requestedBy}`} (approved by ${by}, approval ${approval.id})`,
      actor: { name: approval.requestedBy },
    });
    return planned.rollback ? run(planned.rollback.id) : null;
  }
  const releases = await ctx.store.listReleases(approval.service, approval.environment, 1000);
  const current = currentRelease(releases);
  if (current?.revision !== payload.revision) {
    // someone already acted: rolling back whatever serves now would be wrong
    await ctx.emit({
      type: 'approval.stale',
      service: approval.service,
      environment: approval.environment,
      revision: payload.revision,
      message: `approval ${approval.id}: revision ${payload.revision} no longer serves ${approval.service}; nothing rolled back`,
      data: { approvalId: approval.id },
    });
    return null;
  }
  const planned = await planUndo(ctx, {
    service: approval.service,
    environment: approval.environment,
    ...(payload.previousRevision !== null ? { toRevision: payload.previousRevision } : {}),
    kind,
    reason: `${approval.reason} (${kind === 'automatic' ? `approval ${approval.id} timed out` : `approved by ${by}`})`,
    actor: { name: kind === 'automatic' ? 'rewind' : by },
  });
  return planned.rollback ? run(planned.rollback.id) : null;
}

/** A release under analysis that a human let through is promoted, so deploys are not blocked. */
export async function promoteIfAnalyzing(ctx: AppContext, approval: Approval): Promise<void> {
  const payload = approval.payload as unknown as ApprovalPayload;
  if (payload.kind !== 'decision' || payload.phase !== 'analysis') return;
  const release = await ctx.store.getRelease(approval.service, approval.environment, payload.revision);
  if (release?.status !== 'analyzing' || isUnderAnalysis(ctx, release.id)) return;
  const previous =
    payload.previousRevision === null
      ? null
      : await ctx.store.getRelease(approval.service, approval.environment, payload.previousRevision);
  await promote(ctx, release, previous?.status === 'live' ? previous : null);
}
