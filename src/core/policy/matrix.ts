/**
 * The decision matrix: what policy makes of fired triggers, per
 * environment. Rules are plain data so `rewind policy explain` can print them.
 */
import type { OnTimeout } from '../model.js';
import type { Severity } from './trigger-spec.js';

/** `flag-off`: turn a named feature flag of the release off instead of rolling it back */
export type DecisionAction = 'rollback' | 'ask' | 'alert' | 'escalate' | 'ignore' | 'flag-off';
export const DECISION_ACTIONS: readonly DecisionAction[] = [
  'rollback',
  'ask',
  'alert',
  'escalate',
  'ignore',
  'flag-off',
];

/** Every listed field must match; a field left out matches anything. */
export interface RuleMatch {
  severity?: Severity[];
  trigger?: string[];
  metric?: string[];
  environment?: string[];
}

export interface MatrixRule {
  /** shown in decisions and `policy explain`; default `<environment>#<index>` */
  name?: string;
  match: RuleMatch;
  action: DecisionAction;
  /** for `flag-off`: the flag (an environment variable of the release) to turn off */
  flag?: string;
  /** channels to tell (names of configured notifiers); default none */
  notify?: string[];
  /** for `ask`: how long a human has to answer; default 15 minutes */
  approvalTimeoutMs?: number;
  /** for `ask`: what happens when nobody answers in time; default `escalate` */
  onTimeout?: OnTimeout;
}

export interface DecisionMatrix {
  /** rules tried first for an environment, in order */
  environments?: Record<string, MatrixRule[]>;
  /** rules tried after the environment's own, in order */
  default: MatrixRule[];
}

export const DEFAULT_APPROVAL_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_ON_TIMEOUT: OnTimeout = 'escalate';

/**
 * The runbook table as a matrix (DESIGN.md):
 * data-integrity or security → escalate (a rollback can lose data: a human
 * decides); health-check failures or critical → rollback; high (error rate) →
 * rollback and page on-call; medium (performance) → ask; low → ignore.
 * Data-integrity comes first so that a critical data-integrity trigger is not
 * rolled back automatically.
 */
export const DEFAULT_MATRIX: DecisionMatrix = {
  default: [
    {
      name: 'data-integrity-or-security',
      match: { trigger: ['data-integrity', 'security'] },
      action: 'escalate',
      notify: ['on-call'],
    },
    {
      name: 'data-integrity-or-security-signal',
      match: { metric: ['dataIntegrity', 'security'] },
      action: 'escalate',
      notify: ['on-call'],
    },
    { name: 'health-check-failures', match: { metric: ['healthCheckFailures', 'restarts'] }, action: 'rollback' },
    { name: 'critical', match: { severity: ['critical'] }, action: 'rollback' },
    { name: 'error-rate', match: { severity: ['high'] }, action: 'rollback', notify: ['on-call'] },
    {
      name: 'performance',
      match: { severity: ['medium'] },
      action: 'ask',
      approvalTimeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS,
      onTimeout: DEFAULT_ON_TIMEOUT,
    },
    { name: 'low', match: { severity: ['low'] }, action: 'ignore' },
  ],
};

/** The rules that apply to an environment, in the order they are tried, with their display names. */
export function rulesFor(matrix: DecisionMatrix, environment: string): { id: string; rule: MatrixRule }[] {
  const own = (matrix.environments?.[environment] ?? []).map((rule, index) => ({
    id: rule.name ?? `${environment}#${index}`,
    rule,
  }));
  const shared = matrix.default.map((rule, index) => ({ id: rule.name ?? `default#${index}`, rule }));
  return [...own, ...shared];
}

/** Whether a rule matches one trigger outcome in an environment. */
export function ruleMatches(
  match: RuleMatch,
  fired: { trigger: string; metric: string; severity: Severity },
  environment: string,
): boolean {
  const ok = <T>(allowed: T[] | undefined, value: T): boolean => allowed === undefined || allowed.includes(value);
  return (
    ok(match.severity, fired.severity) &&
    ok(match.trigger, fired.trigger) &&
    ok(match.metric, fired.metric) &&
    ok(match.environment, environment)
  );
}

/** A short human form of a match: "severity high and metric errorRate". */
export function describeMatch(match: RuleMatch): string {
  const parts: string[] = [];
  if (match.severity) parts.push(`severity ${match.severity.join('|')}`);
  if (match.trigger) parts.push(`trigger ${match.trigger.join('|')}`);
  if (match.metric) parts.push(`metric ${match.metric.join('|')}`);
  if (match.environment) parts.push(`environment ${match.environment.join('|')}`);
  return parts.length === 0 ? 'any trigger' : parts.join(' and ');
}
