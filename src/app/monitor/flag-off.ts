/**
 * The `flag-off` decision: the runbook's "disable the feature before rolling back
 * the whole release". The first time a rule says flag-off, the named flag of the
 * watched release is turned off (a rolling restart, no failed request) and the
 * release stays watched. If the trigger still fires once the flag has been off
 * for `FLAG_SETTLE_MS` — the signal windows then hold only answers of the new
 * instances — the flag was not the cause and the decision becomes a rollback.
 */
import { errorMessage } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import type { Decision } from '../../core/policy/decide.js';
import type { AppContext } from '../context.js';
import { applyFlag, flagChangedAt, releaseFlagEnv } from '../ops/flags.js';

/** How long a flag turned off gets to show its effect before a rollback. */
export const FLAG_SETTLE_MS = 30_000;

/** Null: the flag was (or is being given time after being) turned off; else the decision to apply instead. */
export async function flagOffFirst(ctx: AppContext, release: Release, decision: Decision): Promise<Decision | null> {
  const flag = decision.flag;
  if (!flag) return { ...decision, action: 'rollback', reason: `${decision.reason} (no flag named: rolling back)` };
  const current = (await releaseFlagEnv(ctx, release))[flag];
  if (current === 'false') {
    const since = await flagChangedAt(ctx, release, flag);
    if (since !== null && ctx.clock.now() - since < FLAG_SETTLE_MS) return null;
    return {
      ...decision,
      action: 'rollback',
      reason: `${decision.reason} ${flag} is already off and the trigger still fires: rolling back.`,
    };
  }
  const base = { service: release.service, environment: release.environment, revision: release.revision };
  await ctx.emit({
    ...base,
    type: 'decision.made',
    message: `decision: flag-off ${flag} (rule ${decision.rule}) — ${decision.reason}`,
    data: {
      action: 'flag-off',
      flag,
      rule: decision.rule,
      reason: decision.reason,
      notify: decision.notify,
      trigger: decision.trigger,
    },
  });
  try {
    await applyFlag(ctx, release, { flag, on: false, reason: decision.reason, actor: { name: 'rewind' } });
    return null;
  } catch (error) {
    // the platform cannot restart in place (or the restart failed): the rollback is the remedy left
    return {
      ...decision,
      action: 'rollback',
      reason: `${decision.reason} Turning ${flag} off failed (${ctx.redact(errorMessage(error))}): rolling back.`,
    };
  }
}
