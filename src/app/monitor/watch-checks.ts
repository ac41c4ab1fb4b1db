/**
 * What the watch loop asks between evaluations: whether the release still serves,
 * whether a rollback of it is under way, and — when a trigger newly fired —
 * the decision and its action (see watch.ts).
 */
import type { Release } from '../../core/model.js';
import { decide } from '../../core/policy/decide.js';
import type { TriggerOutcome } from '../../core/policy/triggers.js';
import { describeSequential } from '../../core/policy/sequential-trigger.js';
import type { AppContext } from '../context.js';
import type { effectivePolicy } from '../policy/effective.js';
import { triggerName } from '../policy/effective.js';
import type { ActResult, WatchPhase } from './act.js';
import { act, flapHistory } from './act.js';
import type { WatchVerdict } from './watch.js';

/** A pending approval about this release (a decision the monitor asked a human). */
export async function pendingFor(ctx: AppContext, release: Release) {
  const pending = await ctx.store.listApprovals({
    service: release.service,
    environment: release.environment,
    status: ['pending'],
  });
  return pending.find((a) => a.payload.kind === 'decision' && a.payload.revision === release.revision) ?? null;
}

/** The verdict when the release no longer serves (rolled back by someone or something), else null. */
export async function noLongerServing(ctx: AppContext, release: Release): Promise<WatchVerdict | null> {
  const now = await ctx.store.getRelease(release.service, release.environment, release.revision);
  if (!now || now.status === 'analyzing' || now.status === 'live') return null;
  const [last] = await ctx.store.listRollbacks({
    service: release.service,
    environment: release.environment,
    limit: 1,
  });
  const ours = last && last.fromRevision === release.revision ? last : null;
  return {
    outcome: 'rolled-back',
    rollbackId: ours?.id ?? null,
    reason: ours ? ours.reason : `revision ${release.revision} is ${now.status}`,
  };
}

/**
 * At the end of an analysis: a rollback of this release already under way (an
 * approval that timed out into a rollback) decides, not the clock; wait until
 * traffic is off the release or that rollback ends.
 */
export async function rollingBack(
  ctx: AppContext,
  release: Release,
  signal?: AbortSignal,
): Promise<WatchVerdict | null> {
  for (;;) {
    const gone = await noLongerServing(ctx, release);
    if (gone) return gone;
    const active = await ctx.store.listRollbacks({
      service: release.service,
      environment: release.environment,
      status: ['planned', 'running'],
    });
    if (!active.some((r) => r.fromRevision === release.revision) || signal?.aborted) return null;
    await ctx.clock.sleep(200, signal).catch(() => undefined);
  }
}

/** The names of a service's triggers in `mode: shadow`. */
export function shadowTriggers(ctx: AppContext, service: string): Set<string> {
  const triggers = ctx.loaded.config.services[service]?.triggers ?? [];
  return new Set(triggers.filter((t) => t.mode === 'shadow').map(triggerName));
}

export interface ConsiderInput {
  outcomes: TriggerOutcome[];
  /** triggers already fired (or inconclusive) at the previous evaluation */
  active: Set<string>;
  release: Release;
  previous: Release | null;
  phase: WatchPhase;
  policy: ReturnType<typeof effectivePolicy>;
  signal: AbortSignal | undefined;
  track: ((work: Promise<unknown>) => void) | undefined;
}

/** Decides when a trigger newly fired or became inconclusive; one decision per change. */
export async function consider(ctx: AppContext, input: ConsiderInput): Promise<ActResult> {
  const { outcomes, active, release } = input;
  const fresh = outcomes.filter((o) => (o.state === 'fired' || o.state === 'inconclusive') && !active.has(o.trigger));
  if (fresh.length === 0) return { next: 'continue' };
  // shadow triggers are evaluated and recorded like the others, and never decide anything
  const shadow = shadowTriggers(ctx, release.service);
  for (const o of fresh.filter((f) => f.state === 'fired')) {
    const e = o.evidence;
    await ctx.emit({
      type: shadow.has(o.trigger) ? 'trigger.shadow-fired' : 'trigger.fired',
      service: release.service,
      environment: release.environment,
      revision: release.revision,
      message: e.sequential
        ? `trigger ${o.trigger} (${o.severity}) fired on ${release.service} r${release.revision}: ${describeSequential(o.metric, e.sequential, e.sequential.thresholdMs)}`
        : `trigger ${o.trigger} (${o.severity}) fired on ${release.service} r${release.revision}: ${o.metric} ${e.value ?? '?'} ${e.op} ${e.threshold}`,
      data: {
        trigger: o.trigger,
        metric: o.metric,
        value: e.value,
        threshold: e.threshold,
        op: e.op,
        windowMs: e.windowMs,
        samples: e.samples,
        ...(e.sequential ? { sequential: e.sequential } : {}),
        severity: o.severity,
        revision: release.revision,
        since: e.since,
        phase: input.phase,
      },
    });
  }
  const acting = outcomes.filter((o) => !shadow.has(o.trigger));
  if (!fresh.some((o) => !shadow.has(o.trigger))) return { next: 'continue' };
  const now = ctx.clock.now();
  const history = await flapHistory(ctx, release, input.previous, input.policy.cooldownMs, now);
  const decision = decide({
    fired: acting,
    environment: release.environment,
    matrix: input.policy.matrix,
    automatic: input.policy.automatic,
    cooldown: { lastAutomaticAt: history.lastAutomaticAt, periodMs: input.policy.cooldownMs },
    retries: { count: history.count, maximum: input.policy.maximumRetries },
    now,
    askDefaults: { approvalTimeoutMs: input.policy.approvalTimeoutMs, onTimeout: input.policy.onTimeout },
  });
  // one open question at a time: while a human decides, do not ask again (other actions still happen)
  if (decision.action === 'ask' && input.phase !== 'post-rollback' && (await pendingFor(ctx, release)))
    return { next: 'continue' };
  return act(ctx, {
    release,
    previous: input.previous,
    phase: input.phase,
    decision,
    policy: input.policy,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.track ? { track: input.track } : {}),
  });
}
