/**
 * Acting on a decision: rollback → an automatic rollback through the journaled
 * executor; ask → an approval with a deadline; escalate → a page for a human
 * while the release stays watched; alert and ignore → recorded only. Every
 * decision is an event (`decision.made`) with the rule that matched and why.
 */
import type { Decision } from '../../core/policy/decide.js';
import type { Release, RollbackDetail } from '../../core/model.js';
import { rollbackRestored } from '../../core/model.js';
import { isUserError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { approveCommand, rejectCommand, requestApproval } from '../approvals/index.js';
import { planUndo, runPlanned } from '../undo.js';
import type { EffectivePolicy } from '../policy/effective.js';
import { flagOffFirst } from './flag-off.js';

/**
 * Flap control from the store's history. `lastAutomaticAt`: when an automatic
 * rollback last restored `release` (it was the target), so Rewind does not roll
 * back what it just put back. `count`: automatic rollbacks to `target` within
 * the cooldown, for `maximumRetries`. A newly deployed release is never the
 * target of an earlier rollback, so the cooldown never holds its rollback back.
 */
export async function flapHistory(
  ctx: AppContext,
  release: Release,
  target: Release | null,
  cooldownMs: number,
  now: number,
): Promise<{ lastAutomaticAt: number | null; count: number }> {
  const automatic = (
    await ctx.store.listRollbacks({ service: release.service, environment: release.environment, limit: 1000 })
  ).filter((r) => r.kind === 'automatic');
  const last = automatic
    .filter((r) => r.toRevision === release.revision)
    .reduce<number | null>((max, r) => (max === null || r.createdAt > max ? r.createdAt : max), null);
  const count = target
    ? automatic.filter((r) => r.toRevision === target.revision && now - r.createdAt < cooldownMs).length
    : 0;
  return { lastAutomaticAt: last, count };
}

export type WatchPhase = 'analysis' | 'live' | 'post-rollback';

export interface ActInput {
  release: Release;
  previous: Release | null;
  phase: WatchPhase;
  decision: Decision;
  policy: EffectivePolicy;
  signal?: AbortSignal;
  /** where an automatic rollback that outlives the watch is tracked (controller shutdown waits for it) */
  track?: (work: Promise<unknown>) => void;
}

/**
 * What the watch does next: keep watching, or stop with a verdict. `escalated`:
 * a human was paged and the release still serves; the watch goes on (the
 * runbook never leaves a release with a fired trigger unwatched).
 */
export type ActResult =
  | { next: 'continue'; escalated?: string }
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

/**
 * The automatic rollback of a watched release to the one before it. Resolves as
 * soon as traffic is back on the target (`restored`), or when the rollback ended
 * without that; the rest of the rollback (retire, post-rollback watch) goes on.
 */
export async function automaticRollback(
  ctx: AppContext,
  release: Release,
  previous: Release | null,
  reason: string,
  signal?: AbortSignal,
  track?: (work: Promise<unknown>) => void,
): Promise<{ rollback: RollbackDetail; restored: boolean }> {
  const planned = await planUndo(ctx, {
    service: release.service,
    environment: release.environment,
    ...(previous ? { toRevision: previous.revision } : {}),
    kind: 'automatic',
    reason,
    actor: { name: 'rewind' },
  });
  if (!planned.rollback) throw new Error('the rollback was not saved');
  const id = planned.rollback.id;
  let restored: () => void = () => undefined;
  const back = new Promise<'restored'>((resolve) => (restored = () => resolve('restored')));
  const unsubscribe = ctx.onEvent((event) => {
    if (event.type === 'rollback.traffic-restored' && event.rollbackId === id) restored();
  });
  const running = runPlanned(ctx, id, signal);
  track?.(running);
  running.catch(() => undefined);
  try {
    const first = await Promise.race([back, running]);
    if (first === 'restored')
      return { rollback: await ctx.store.getRollback(id).then((r) => r ?? planned.rollback!), restored: true };
    return { rollback: first, restored: rollbackRestored(first.status) };
  } finally {
    unsubscribe();
  }
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
    // the analysis goes on while a human decides; later triggers still decide
    return { next: 'continue' };
  }
  await made();
  if (decision.action === 'alert' || decision.action === 'ignore') return { next: 'continue' };
  if (phase === 'post-rollback') {
    // runbook: the restored release misbehaves too → escalate instead of flip-flopping
    throw new Error(`the restored release misbehaves while watched: ${decision.reason}`);
  }
  if (decision.action === 'escalate') {
    await escalate(ctx, release, decision.reason);
    return { next: 'continue', escalated: decision.reason };
  }
  const stuck = (
    await ctx.store.listRollbacks({
      service: release.service,
      environment: release.environment,
      status: ['escalated', 'failed'],
    })
  ).find((r) => r.kind === 'automatic' && r.fromRevision === release.revision);
  if (stuck) {
    // the automatic rollback of this release already stopped and paged: trying again
    // and again would only page again; the release stays watched until a human acts
    return { next: 'continue', escalated: `automatic rollback ${stuck.id} ${stuck.status}: ${stuck.error ?? ''}` };
  }
  try {
    const { rollback, restored } = await automaticRollback(
      ctx,
      release,
      input.previous,
      decision.reason,
      input.signal,
      input.track,
    );
    const now = await ctx.store.getRelease(release.service, release.environment, release.revision);
    if (restored || (now && now.status !== 'live' && now.status !== 'analyzing')) {
      return { next: 'stop', outcome: 'rolled-back', rollbackId: rollback.id, reason: decision.reason };
    }
    // the rollback escalated or failed with traffic still here (target unhealthy): its
    // rollback.escalated event pages; the release stays watched until a human acts
    return {
      next: 'continue',
      escalated: `automatic rollback ${rollback.id} ${rollback.status}${rollback.error ? `: ${rollback.error}` : ''}; ${decision.reason}`,
    };
  } catch (error) {
    // a rollback already under way (a human approved one) decides for this release
    if (isUserError(error) && error.code === 'CONFLICT') return { next: 'continue' };
    // no target: a human must look
    const why = ctx.redact((error as Error).message);
    const reason = `automatic rollback impossible (${why}); ${decision.reason}`;
    await escalate(ctx, release, reason);
    return { next: 'continue', escalated: reason };
  }
}
