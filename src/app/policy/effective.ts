/**
 * The policy Rewind applies to one (service, environment), read from config
 *: the top-level `policy` with the environment's overrides, the
 * decision matrix (config rules, or the runbook table by default) and the
 * service's triggers as evaluator specs.
 */
import type { RewindConfig, ServiceConfig, TriggerConfig } from '../../config/schema/index.js';
import { parseDuration } from '../../core/duration.js';
import type { OnTimeout } from '../../core/model.js';
import type { DecisionMatrix, MatrixRule } from '../../core/policy/matrix.js';
import { DEFAULT_MATRIX } from '../../core/policy/matrix.js';
import type { TriggerSpec } from '../../core/policy/trigger-spec.js';

export interface EffectivePolicy {
  automatic: boolean;
  cooldownMs: number;
  maximumRetries: number;
  approvalTimeoutMs: number;
  onTimeout: OnTimeout;
  inconclusiveLimit: number;
  matrix: DecisionMatrix;
}

type RuleConfig = NonNullable<RewindConfig['policy']['matrix']>[number];

function toRule(rule: RuleConfig, defaults: { approvalTimeoutMs: number; onTimeout: OnTimeout }): MatrixRule {
  const asking = rule.action === 'ask';
  return {
    ...(rule.name ? { name: rule.name } : {}),
    match: rule.match,
    action: rule.action,
    ...(rule.flag ? { flag: rule.flag } : {}),
    notify: rule.notify,
    // an `ask` rule without its own deadline takes the policy's (policy.approvalTimeout)
    ...(asking
      ? { approvalTimeoutMs: rule.approvalTimeout ? parseDuration(rule.approvalTimeout) : defaults.approvalTimeoutMs }
      : {}),
    ...(asking ? { onTimeout: rule.onTimeout ?? defaults.onTimeout } : {}),
  };
}

/** Top-level policy, then `environments.<e>.policy` overrides key by key. */
export function effectivePolicy(config: RewindConfig, environment: string): EffectivePolicy {
  const own = config.environments[environment]?.policy ?? {};
  const merged = {
    ...config.policy,
    ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)),
  } as RewindConfig['policy'];
  const approvalTimeoutMs = parseDuration(merged.approvalTimeout);
  const defaults = { approvalTimeoutMs, onTimeout: merged.onTimeout };
  // the built-in table's deadlines are the policy's: policy.approvalTimeout / onTimeout set them
  const withDefaults = (rule: MatrixRule): MatrixRule =>
    rule.action === 'ask' ? { ...rule, approvalTimeoutMs, onTimeout: merged.onTimeout } : rule;
  const base = config.policy.matrix
    ? config.policy.matrix.map((r) => toRule(r, defaults))
    : DEFAULT_MATRIX.default.map(withDefaults);
  const matrix: DecisionMatrix = { default: base };
  // the environment's own rules are tried first (only when it declares them)
  if (own.matrix) matrix.environments = { [environment]: own.matrix.map((r) => toRule(r, defaults)) };
  return {
    automatic: merged.automatic,
    cooldownMs: parseDuration(merged.cooldownPeriod),
    maximumRetries: merged.maximumRetries,
    approvalTimeoutMs,
    onTimeout: merged.onTimeout,
    inconclusiveLimit: merged.inconclusiveLimit,
    matrix,
  };
}

/** "errorRate-above-0.1" when a trigger has no name. */
export function triggerName(trigger: TriggerConfig): string {
  return (
    trigger.name ??
    `${trigger.metric}-${trigger.above !== undefined ? `above-${trigger.above}` : `below-${trigger.below}`}`
  );
}

/**
 * The service's triggers as evaluator specs. `tighten` (postRollback.tighten,
 * 0–1) multiplies `above` thresholds and divides `below` ones: the restored
 * release is watched more closely (DESIGN.md, the executor's watch step).
 */
export function triggerSpecs(service: ServiceConfig, tighten = 1): TriggerSpec[] {
  return service.triggers.map((t) => {
    const forMs = parseDuration(t.for);
    return {
      name: triggerName(t),
      metric: t.metric,
      ...(t.above !== undefined ? { above: t.above * tighten } : {}),
      ...(t.below !== undefined ? { below: t.below / tighten } : {}),
      forMs,
      minSamples: t.minSamples,
      consecutive: t.consecutive,
      severity: t.severity,
      ...(t.source ? { source: t.source } : {}),
      ...(t.evidence === 'sequential' ? { evidence: 'sequential' as const, falseAlarm: t.falseAlarm } : {}),
      ...(t.mode === 'shadow' ? { mode: 'shadow' as const } : {}),
      // a reading covers the `for` span (at least 1 s, at most 1 min) unless `window` says otherwise
      windowMs: t.window ? parseDuration(t.window) : Math.min(60_000, Math.max(1000, forMs)),
    };
  });
}

/**
 * Runbook: "pods crash looping → quick rollback". A new release whose instance
 * crashed and was restarted while it is watched has failed, whether or not the
 * service configured a restarts trigger: the front door's retries can keep its
 * error rate low while it crash-loops. Applies to drivers whose signals count
 * restarts of crashed instances (`capabilities.restartSignals`).
 */
export function crashLoopTrigger(service: ServiceConfig): TriggerSpec | null {
  if (service.triggers.some((t) => t.metric === 'restarts')) return null;
  return {
    name: 'crash-loop',
    metric: 'restarts',
    above: 0,
    forMs: 0,
    minSamples: 1,
    severity: 'critical',
    windowMs: 1000,
  };
}
