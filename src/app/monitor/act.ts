/**
 * Acting on a decision (issue 4 §1–§3): rollback → an automatic rollback
 * through the journaled executor; ask → an approval with a deadline; escalate →
 * an event for a human; alert and ignore → recorded only. Every decision is an
 * event (`decision.made`) with the rule that matched and why.
 */
import type { Decision } from '../../core/policy/decide.js';
import type { Release, RollbackDetail } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { approveCommand, rejectCommand, requestApproval } from '../approvals/index.js';
import { planUndo, runPlanned } from '../undo.js';
import type { EffectivePolicy } from '../policy/effective.js';
import { flagOffFirst } from './flag-off.js';

/** Automatic rollbacks within this span count as one episode for `maximumRetries`. */
export const EPISODE_MS = 60 * 60_000;

/** From the store's history: the last automatic rollback and how many ran in this episode. */
export async function flapHistory(
  ctx: AppContext,
  service: string,
  environment: string,
  now: number,
): Promise<{ lastAutomaticAt: number | null; count: number }> {
  const automatic = (await ctx.store.listRollbacks({ service, environment, limit: 1000 })).filter(
    (r) => r.kind === 'automatic',
  );
  const last = automatic.reduce<number | null>(
    (max, r) => (max === null || r.createdAt > max ? r.createdAt : max),
    null,
  );
  return { lastAutomaticAt: last, count: automatic.filter((r) => now - r.createdAt < EPISODE_MS).length };
}

export type WatchPhase = 'analysis' | 'live' | 'post-rollback';

export interface ActInput {
  release: Release;
  previous: Release | null;
  phase: WatchPhase;
  decision: Decision;
  policy: EffectivePolicy;
  signal?: AbortSignal;
}

/** What the watch does next: keep watching, or stop with a verdict. */
export type ActResult =
  | { next: 'continue' }
  | { next: 'stop'; outcome: 'rolled-back' | 'waiting'; rollbackId: string | null; reason: string };

async function escalate(ctx: AppContext, release: Release, reason: string): Promise<void> {
  await ctx.emit({
    type: 'policy.escalated',
    service: release.service,
    environment: release.environment,
    revision: release.revision,
    message: `escalated to a human: ${reason}`,
    data: { reason },
  });
}

/** The automatic rollback of a watched release to the one before it. */
export async function automaticRollback(
  ctx: AppContext,
  release: Release,
  previous: Release | null,
  reason: string,
  signal?: AbortSignal,
): Promise<RollbackDetail | null> {
  const planned = await planUndo(ctx, {
    service: release.service,
    environment: release.environment,
    ...(previous ? { toRevision: previous.revision } : {}),
    kind: 'automatic',
    reason,
    actor: { name: 'rewind' },
  });
  return planned.rollback ? runPlanned(ctx, planned.rollback.id, signal) : null;
}

export async function act(ctx: AppContext, input: ActInput): Promise<ActResult> {
  if (input.decision.action === 'flag-off') {
    const instead = await flagOffFirst(ctx, input.release, input.decision);
    if (!instead) return { next: 'continue' };
    input = { ...input, decision: instead };
  }
  const { release, decision, phase } = input;
  const base = { service: release.service, environment: release.environment, revision: release.revision };
  const made = (extra: Record<string, unknown> = {}) =>
    ctx.emit({
      ...base,
      type: 'decision.made',
      message: `decision: ${decision.action} (rule ${decision.rule}) — ${decision.reason}`,
      data: {
        action: decision.action,
        rule: decision.rule,
        reason: decision.reason,
        notify: decision.notify,
        trigger: decision.trigger,
        adjustedBy: decision.adjustedBy,
        phase,
        ...extra,
      },
    });

  if (decision.action === 'ask' && phase !== 'post-rollback') {
    const approval = await requestApproval(ctx, {
      service: release.service,
      environment: release.environment,
      action: 'rollback',
      reason: decision.reason,
      requestedBy: 'rewind',
      timeoutMs: decision.approvalTimeoutMs ?? input.policy.approvalTimeoutMs,
      onTimeout: decision.onTimeout ?? input.policy.onTimeout,
      payload: {
        kind: 'decision',
        phase,
        revision: release.revision,
        previousRevision: input.previous?.revision ?? null,
        trigger: decision.trigger,
        rule: decision.rule,
      },
      revision: release.revision,
    }).catch(async (error: unknown) => {
      await made();
      throw error;
    });
    await made({
      approvalId: approval.id,
      approveCommand: approveCommand(approval.id),
      rejectCommand: rejectCommand(approval.id),
    });
    return phase === 'analysis'
      ? { next: 'stop', outcome: 'waiting', rollbackId: null, reason: decision.reason }
      : { next: 'continue' };
  }
  await made();
  if (decision.action === 'alert' || decision.action === 'ignore') return { next: 'continue' };
  if (phase === 'post-rollback') {
    // runbook: the restored release misbehaves too → escalate instead of flip-flopping
    throw new Error(`the restored release misbehaves while watched: ${decision.reason}`);
  }
  if (decision.action === 'escalate') {
    await escalate(ctx, release, decision.reason);
    return phase === 'analysis'
      ? { next: 'stop', outcome: 'waiting', rollbackId: null, reason: decision.reason }
      : { next: 'continue' };
  }
  try {
    const rollback = await automaticRollback(ctx, release, input.previous, decision.reason, input.signal);
    if (!rollback) throw new Error('the rollback was not saved');
    // a rollback that escalated (target unhealthy too) leaves a human to decide
    return {
      next: 'stop',
      outcome: rollback.status === 'succeeded' ? 'rolled-back' : 'waiting',
      rollbackId: rollback.id,
      reason: decision.reason,
    };
  } catch (error) {
    // no target, or another rollback is already running: a human must look
    const why = ctx.redact((error as Error).message);
    await escalate(ctx, release, `automatic rollback impossible (${why}); ${decision.reason}`);
    return { next: 'stop', outcome: 'waiting', rollbackId: null, reason: why };
  }
}
