/**
 * decide(): from the triggers that fired to one Decision, by the
 * first matching rule of the environment's matrix, then flap control.
 */
import { formatDuration } from '../duration.js';
import type { OnTimeout } from '../model.js';
import type { DecisionAction, DecisionMatrix, MatrixRule } from './matrix.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS, DEFAULT_ON_TIMEOUT, ruleMatches, rulesFor } from './matrix.js';
import type { TriggerOutcome } from './triggers.js';

export interface DecideInput {
  /** outcomes of this evaluation; only `fired` and `inconclusive` ones count */
  fired: TriggerOutcome[];
  environment: string;
  matrix: DecisionMatrix;
  /** the environment allows automatic rollback; when false a rollback becomes `ask` */
  automatic: boolean;
  /**
   * when an automatic rollback last restored THIS release (it was the rollback's
   * target), and the quiet period after it: rolling it back again so soon would flip-flop
   */
  cooldown: { lastAutomaticAt: number | null; periodMs: number };
  /** automatic rollbacks to the same target within the cooldown, and the maximum allowed */
  retries: { count: number; maximum: number };
  now: number;
  /** deadline and onTimeout of an ask whose rule sets none (`policy.approvalTimeout`, `policy.onTimeout`); default 15m, escalate */
  askDefaults?: { approvalTimeoutMs: number; onTimeout: OnTimeout };
}

export interface Decision {
  action: DecisionAction;
  /** the deciding rule's name (or `<environment>#<index>`); `none`, `no-rule` or `inconclusive` otherwise */
  rule: string;
  /** one human sentence: why this action */
  reason: string;
  /** channels to tell: the union over every rule that matched a fired trigger */
  notify: string[];
  /** set when the action is `ask` */
  approvalTimeoutMs: number | null;
  onTimeout: OnTimeout | null;
  /** the trigger that decided, or null when none fired */
  trigger: string | null;
  /** what flap control changed, if anything */
  adjustedBy: 'automatic-off' | 'cooldown' | 'retries' | null;
  /** for `flag-off`: the flag to turn off */
  flag?: string;
}

/**
 * When several triggers fire at once the strongest action wins. Escalate ranks
 * above rollback: a data-integrity or security problem must reach a human
 * before anything is rolled back automatically (a rollback can lose writes).
 */
// flag-off ranks below rollback: a trigger that asks for a rollback gets one
const RANK: Record<DecisionAction, number> = { escalate: 5, rollback: 4, 'flag-off': 3.5, ask: 3, alert: 2, ignore: 1 };

interface Candidate {
  action: DecisionAction;
  ruleId: string;
  rule: MatrixRule | null;
  outcome: TriggerOutcome;
}

/** "errorRate 0.12 > 0.05 for 5m 0s (840 samples)" */
export function describeOutcome(outcome: TriggerOutcome): string {
  const e = outcome.evidence;
  if (outcome.state === 'inconclusive') {
    return `signal ${outcome.metric} for trigger ${outcome.trigger} is inconclusive${e.error ? ` (${e.error})` : ''}`;
  }
  const held = e.since === null ? '' : ` for ${formatDuration(e.at - e.since)}`;
  return `trigger ${outcome.trigger} (${outcome.severity}) fired: ${outcome.metric} ${e.value === null || e.value === undefined ? '?' : rounded(e.value)} ${e.op} ${rounded(e.threshold)}${held} (${e.samples} samples)`;
}

/** A measured value as a person reads it: 0.8333333333333334 → 0.833, 1234.56 → 1235. */
export function rounded(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3)));
}

function candidateFor(
  outcome: TriggerOutcome,
  rules: { id: string; rule: MatrixRule }[],
  environment: string,
): Candidate {
  if (outcome.state === 'inconclusive') {
    // runbook: an inconclusive signal is neither healthy nor failing: ask.
    return { action: 'ask', ruleId: 'inconclusive', rule: null, outcome };
  }
  const found = rules.find(({ rule }) => ruleMatches(rule.match, outcome, environment));
  // A fired trigger that no rule covers is still told to someone, never dropped.
  if (!found) return { action: 'alert', ruleId: 'no-rule', rule: null, outcome };
  return { action: found.rule.action, ruleId: found.id, rule: found.rule, outcome };
}

/**
 * Decides what to do. Flap control, applied only when the chosen action is
 * `rollback`, in this order:
 * 1. `automatic: false` → `ask`, always: the environment wants a human to
 *    approve every rollback, cooldown or not;
 * 2. `retries.count >= retries.maximum` → `escalate` (rolling back to the same
 *    target again and again will not fix it; a human must look);
 * 3. this release was itself restored by an automatic rollback within
 *    `cooldown.periodMs` → `escalate`: rolling it back again would flip-flop.
 *    A newly deployed bad release is never held back by the cooldown.
 */
export function decide(input: DecideInput): Decision {
  const outcomes = input.fired.filter((o) => o.state === 'fired' || o.state === 'inconclusive');
  if (outcomes.length === 0) {
    return {
      action: 'ignore',
      rule: 'none',
      reason: 'no trigger fired',
      notify: [],
      approvalTimeoutMs: null,
      onTimeout: null,
      trigger: null,
      adjustedBy: null,
    };
  }
  const rules = rulesFor(input.matrix, input.environment);
  const candidates = outcomes.map((o) => candidateFor(o, rules, input.environment));
  const chosen = candidates.reduce((best, c) => (RANK[c.action] > RANK[best.action] ? c : best));
  const notify = [...new Set(candidates.filter((c) => c.action !== 'ignore').flatMap((c) => c.rule?.notify ?? []))];

  let action = chosen.action;
  let adjustedBy: Decision['adjustedBy'] = null;
  let why = `${describeOutcome(chosen.outcome)}; rule ${chosen.ruleId} says ${chosen.action}`;
  if (action === 'rollback') {
    const { lastAutomaticAt, periodMs } = input.cooldown;
    if (!input.automatic) {
      action = 'ask';
      adjustedBy = 'automatic-off';
      why += `, but automatic rollback is off in ${input.environment}: asking for approval`;
    } else if (input.retries.count >= input.retries.maximum) {
      action = 'escalate';
      adjustedBy = 'retries';
      why += `, but ${input.retries.count} automatic rollback(s) to the same release already ran within the cooldown (maximum ${input.retries.maximum}): escalating`;
    } else if (lastAutomaticAt !== null && input.now - lastAutomaticAt < periodMs) {
      action = 'escalate';
      adjustedBy = 'cooldown';
      why += `, but an automatic rollback restored this release ${formatDuration(input.now - lastAutomaticAt)} ago (cooldown ${formatDuration(periodMs)}): escalating instead of flip-flopping`;
    }
  }
  const others = outcomes.length - 1;
  if (others > 0) why += ` (${others} other trigger(s) also fired)`;

  const asking = action === 'ask';
  return {
    action,
    rule: chosen.ruleId,
    reason: `${why}.`,
    notify,
    approvalTimeoutMs: asking
      ? (chosen.rule?.approvalTimeoutMs ?? input.askDefaults?.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS)
      : null,
    onTimeout: asking ? (chosen.rule?.onTimeout ?? input.askDefaults?.onTimeout ?? DEFAULT_ON_TIMEOUT) : null,
    trigger: chosen.outcome.trigger,
    adjustedBy,
    ...(action === 'flag-off' && chosen.rule?.flag ? { flag: chosen.rule.flag } : {}),
  };
}
