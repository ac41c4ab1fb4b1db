/**
 * Approvals with deadlines: `rewind approve <id>` /
 * `rewind reject <id> --reason R`, who and when recorded; the controller
 * enforces deadlines (`onTimeout`: rollback | escalate | ignore). Approvals of a
 * manual undo in a protected environment need a second person (four-eyes).
 */
import { sameIdentity } from '../../core/access.js';
import { ExitCode, UserError, notFound } from '../../core/errors.js';
import type { Approval, OnTimeout, RollbackDetail } from '../../core/model.js';
import type { Actor, AppContext } from '../context.js';
import type { ApprovalPayload, LiveRelease, RunRollback } from './execute.js';
import { whatChanged } from './protected-ops.js';
import { approvalEnvironments } from '../access/targets.js';
import { promoteIfAnalyzing, runApprovedRollback } from './execute.js';

export const approveCommand = (id: string): string => `rewind approve ${id}`;
export const rejectCommand = (id: string): string => `rewind reject ${id} --reason "…"`;

export interface NewApprovalRequest {
  service: string;
  environment: string;
  action: Approval['action'];
  reason: string;
  requestedBy: string;
  timeoutMs: number;
  onTimeout: OnTimeout;
  payload: ApprovalPayload;
  revision?: number | null;
}

/** Saves a pending approval and emits `approval.requested`. */
export async function requestApproval(ctx: AppContext, input: NewApprovalRequest): Promise<Approval> {
  const now = ctx.clock.now();
  const approval = await ctx.store.createApproval(
    {
      service: input.service,
      environment: input.environment,
      action: input.action,
      rollbackId: null,
      reason: input.reason,
      requestedBy: input.requestedBy,
      deadline: now + input.timeoutMs,
      onTimeout: input.onTimeout,
      payload: input.payload as unknown as Record<string, unknown>,
    },
    now,
  );
  await ctx.emit({
    type: 'approval.requested',
    service: input.service,
    environment: input.environment,
    revision: input.revision ?? null,
    actor: input.requestedBy,
    message: `approval ${approval.id} needed by ${new Date(approval.deadline).toISOString()} (then ${approval.onTimeout}): ${input.reason} — ${approveCommand(approval.id)}`,
    data: {
      approvalId: approval.id,
      deadline: approval.deadline,
      onTimeout: approval.onTimeout,
      action: input.action,
      approveCommand: approveCommand(approval.id),
      rejectCommand: rejectCommand(approval.id),
    },
  });
  return approval;
}

export interface ApprovalDecisionRequest {
  id: string;
  actor: Actor;
  reason?: string;
}

export interface ApprovalResult {
  approval: Approval;
  /** the rollback the approval started, if any */
  rollback: RollbackDetail | null;
  /** what an approved drill or database change answered */
  result?: unknown;
}

/** Runs an approved drill or database change as the identity that asked for it. */
export type RunOperation = (approval: Approval) => Promise<unknown>;

async function pending(ctx: AppContext, id: string): Promise<Approval> {
  const approval = await ctx.store.getApproval(id);
  if (!approval) throw notFound(`approval ${id}`, 'list pending ones with: rewind status <service>');
  if (approval.status !== 'pending') {
    throw new UserError(
      'APPROVAL_DECIDED',
      `approval ${id} is already ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`,
      { status: 409 },
    );
  }
  return approval;
}

/** Records the decision once (compare-and-set in the store), or says who was first. */
async function record(
  ctx: AppContext,
  approval: Approval,
  status: 'approved' | 'rejected',
  by: string,
  reason: string | null,
): Promise<Approval> {
  const decided = await ctx.store.decideApproval(approval.id, { status, by, reason }, ctx.clock.now());
  if (!decided) return pending(ctx, approval.id); // throws: someone decided in between
  await ctx.emit({
    type: `approval.${status}`,
    service: approval.service,
    environment: approval.environment,
    actor: by,
    message: `approval ${approval.id} ${status} by ${by}${reason ? `: ${reason}` : ''}`,
    data: { approvalId: approval.id, by, reason },
  });
  return decided;
}

export async function approve(
  ctx: AppContext,
  request: ApprovalDecisionRequest,
  run: RunRollback,
  runOperation?: RunOperation,
): Promise<ApprovalResult> {
  const approval = await pending(ctx, request.id);
  // four-eyes: a protected change is approved by another identity than the one that
  // asked; token names are compared ignoring case, so "ALICE" is still alice
  if (approval.action !== 'rollback' && sameIdentity(approval.requestedBy, request.actor.name)) {
    throw new UserError(
      'FOUR_EYES',
      `approval ${approval.id} was requested by ${approval.requestedBy}; a different person must approve it`,
      { status: 403, exitCode: ExitCode.failed },
    );
  }
  const live = (approval.payload as { live?: LiveRelease[] }).live;
  const changed = live ? await whatChanged(ctx, live) : null;
  if (changed) {
    await record(ctx, approval, 'rejected', 'rewind', `stale: ${changed}`);
    throw new UserError(
      'STALE_APPROVAL',
      `approval ${approval.id} is stale: ${changed} after it was requested; ask again if it is still needed`,
      { status: 409, exitCode: ExitCode.failed, details: { changed } },
    );
  }
  const decided = await record(ctx, approval, 'approved', request.actor.name, request.reason?.trim() || null);
  if (approval.action === 'drill' || approval.action === 'db') {
    if (!runOperation)
      throw new UserError('NO_CONTROLLER', 'an approved drill or database change runs in the controller');
    return { approval: decided, rollback: null, result: await runOperation(decided) };
  }
  const rollback = await runApprovedRollback(ctx, decided, 'manual', request.actor.name, run);
  return { approval: decided, rollback };
}

export async function reject(ctx: AppContext, request: ApprovalDecisionRequest): Promise<ApprovalResult> {
  if (!request.reason?.trim())
    throw new UserError('REASON_REQUIRED', 'rejecting needs --reason "…" (it is recorded and shown in the report)', {
      exitCode: ExitCode.usage,
      status: 400,
    });
  const approval = await pending(ctx, request.id);
  const decided = await record(ctx, approval, 'rejected', request.actor.name, request.reason.trim());
  await promoteIfAnalyzing(ctx, decided);
  return { approval: decided, rollback: null };
}

/**
 * Deadlines, enforced by the controller: each pending approval past its deadline
 * is closed as `timed-out` and its `onTimeout` is carried out.
 */
export async function expireApprovals(ctx: AppContext, run: RunRollback): Promise<number> {
  const now = ctx.clock.now();
  const due = (await ctx.store.listApprovals({ status: ['pending'] })).filter((a) => a.deadline <= now);
  for (const approval of due) {
    const closed = await ctx.store.decideApproval(
      approval.id,
      { status: 'timed-out', by: 'rewind', reason: `no answer by the deadline; ${approval.onTimeout}` },
      now,
    );
    if (!closed) continue;
    await ctx.emit({
      type: 'approval.timeout',
      service: approval.service,
      environment: approval.environment,
      message: `approval ${approval.id} timed out: ${approval.onTimeout}`,
      data: { approvalId: approval.id, onTimeout: approval.onTimeout },
    });
    try {
      if (approval.onTimeout === 'rollback') await runApprovedRollback(ctx, closed, 'automatic', 'rewind', run);
      else if (approval.onTimeout === 'escalate') {
        await ctx.emit({
          type: 'policy.escalated',
          service: approval.service,
          environment: approval.environment,
          message: `nobody answered approval ${approval.id} in time: escalating (${approval.reason})`,
          data: { approvalId: approval.id, reason: approval.reason },
        });
      } else await promoteIfAnalyzing(ctx, closed);
    } catch (error) {
      await ctx.emit({
        type: 'policy.escalated',
        service: approval.service,
        environment: approval.environment,
        message: `approval ${approval.id} timed out and its ${approval.onTimeout} failed: ${ctx.redact((error as Error).message)}`,
        data: { approvalId: approval.id, error: ctx.redact((error as Error).message) },
      });
    }
  }
  return due.length;
}

export async function listApprovals(
  ctx: AppContext,
  query: { service?: string; environment?: string; status?: Approval['status'][]; visible?: string[] | null },
): Promise<Approval[]> {
  const all = await ctx.store.listApprovals({
    ...(query.service ? { service: query.service } : {}),
    ...(query.environment ? { environment: query.environment } : {}),
    status: query.status ?? ['pending'],
  });
  const visible = query.visible;
  // an approval is seen only by a token that may see every environment it touches
  return visible ? all.filter((a) => approvalEnvironments(a).every((env) => visible.includes(env))) : all;
}
