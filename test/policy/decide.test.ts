import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { DecideInput } from '../../src/core/policy/decide.js';
import { decide } from '../../src/core/policy/decide.js';
import { explainMatrix } from '../../src/core/policy/explain.js';
import type { DecisionMatrix } from '../../src/core/policy/matrix.js';
import { DEFAULT_MATRIX } from '../../src/core/policy/matrix.js';
import { validateMatrix } from '../../src/core/policy/validate-matrix.js';
import type { Severity } from '../../src/core/policy/trigger-spec.js';
import type { TriggerOutcome } from '../../src/core/policy/triggers.js';

const NOW = 10_000_000;
const fired = (
  trigger: string,
  metric: string,
  severity: Severity,
  state: TriggerOutcome['state'] = 'fired',
): TriggerOutcome => ({
  trigger,
  metric,
  severity,
  state,
  evidence: { value: 0.2, threshold: 0.1, op: '>', windowMs: 60_000, samples: 500, since: NOW - 300_000, at: NOW },
});
const input = (over: Partial<DecideInput>): DecideInput => ({
  fired: [],
  environment: 'production',
  matrix: DEFAULT_MATRIX,
  automatic: true,
  cooldown: { lastAutomaticAt: null, periodMs: 600_000 },
  retries: { count: 0, maximum: 2 },
  now: NOW,
  ...over,
});

describe('decide with the default matrix (runbook table)', () => {
  it('rolls back on health-check failures and on critical triggers', () => {
    expect(decide(input({ fired: [fired('health-check', 'healthCheckFailures', 'medium')] }))).toMatchObject({
      action: 'rollback',
      rule: 'health-check-failures',
    });
    expect(decide(input({ fired: [fired('smoke-home', 'smoke', 'critical')] }))).toMatchObject({
      action: 'rollback',
      rule: 'critical',
    });
  });

  it('rolls back on a high error rate and notifies on-call', () => {
    const d = decide(input({ fired: [fired('error-rate', 'errorRate', 'high')] }));
    expect(d).toMatchObject({
      action: 'rollback',
      rule: 'error-rate',
      notify: ['on-call'],
      approvalTimeoutMs: null,
      trigger: 'error-rate',
    });
    expect(d.reason).toMatch(/error-rate.*errorRate 0\.2 > 0\.1 for 5m 0s.*rollback/);
  });

  it('asks on performance (medium) with an approval timeout', () => {
    expect(decide(input({ fired: [fired('p95', 'latencyP95Ms', 'medium')] }))).toMatchObject({
      action: 'ask',
      rule: 'performance',
      approvalTimeoutMs: 900_000,
      onTimeout: 'escalate',
    });
  });

  it('escalates data-integrity and security, even above a rollback', () => {
    const d = decide(
      input({ fired: [fired('error-rate', 'errorRate', 'high'), fired('data-integrity', 'orphanRows', 'critical')] }),
    );
    expect(d).toMatchObject({ action: 'escalate', rule: 'data-integrity-or-security', trigger: 'data-integrity' });
    expect(d.reason).toMatch(/1 other trigger/);
  });

  it('ignores low severity and returns ignore when nothing fired', () => {
    expect(decide(input({ fired: [fired('cpu', 'cpu', 'low')] }))).toMatchObject({ action: 'ignore', rule: 'low' });
    expect(decide(input({ fired: [fired('cpu', 'cpu', 'high', 'pending')] }))).toMatchObject({
      action: 'ignore',
      rule: 'none',
    });
  });

  it('asks when a signal is inconclusive', () => {
    const d = decide(input({ fired: [fired('error-rate', 'errorRate', 'high', 'inconclusive')] }));
    expect(d).toMatchObject({ action: 'ask', rule: 'inconclusive' });
  });
});

describe('flap control', () => {
  const errorRate = [fired('error-rate', 'errorRate', 'high')];
  it('turns rollback into ask when automatic is off', () => {
    expect(decide(input({ fired: errorRate, automatic: false }))).toMatchObject({
      action: 'ask',
      adjustedBy: 'automatic-off',
      onTimeout: 'escalate',
    });
  });
  it('asks when automatic rollback is off, even within the cooldown or past the retries', () => {
    const held = { cooldown: { lastAutomaticAt: NOW - 1000, periodMs: 600_000 }, retries: { count: 9, maximum: 2 } };
    expect(decide(input({ fired: errorRate, automatic: false, ...held }))).toMatchObject({
      action: 'ask',
      adjustedBy: 'automatic-off',
    });
  });
  it('escalates when this release was itself restored within the cooldown, not after it', () => {
    const within = decide(input({ fired: errorRate, cooldown: { lastAutomaticAt: NOW - 120_000, periodMs: 600_000 } }));
    expect(within).toMatchObject({ action: 'escalate', adjustedBy: 'cooldown' });
    expect(within.reason).toMatch(/2m 0s ago/);
    const after = decide(input({ fired: errorRate, cooldown: { lastAutomaticAt: NOW - 600_000, periodMs: 600_000 } }));
    expect(after.action).toBe('rollback');
  });
  it('escalates once the maximum number of automatic rollbacks ran', () => {
    expect(decide(input({ fired: errorRate, retries: { count: 2, maximum: 2 } }))).toMatchObject({
      action: 'escalate',
      adjustedBy: 'retries',
    });
    expect(decide(input({ fired: errorRate, retries: { count: 1, maximum: 2 } })).action).toBe('rollback');
  });
  it('leaves non-rollback actions alone', () => {
    expect(decide(input({ fired: [fired('p95', 'latencyP95Ms', 'medium')], automatic: false })).adjustedBy).toBeNull();
  });
});

describe('environment rules', () => {
  const matrix: DecisionMatrix = {
    environments: { staging: [{ match: { severity: ['high', 'critical'] }, action: 'alert', notify: ['#staging'] }] },
    default: DEFAULT_MATRIX.default,
  };
  it('tries the environment rules first, then the default list; first match wins', () => {
    expect(
      decide(input({ matrix, environment: 'staging', fired: [fired('error-rate', 'errorRate', 'high')] })),
    ).toMatchObject({
      action: 'alert',
      rule: 'staging#0',
      notify: ['#staging'],
    });
    expect(
      decide(input({ matrix, environment: 'production', fired: [fired('error-rate', 'errorRate', 'high')] })).action,
    ).toBe('rollback');
  });
  it('alerts when no rule matches a fired trigger', () => {
    expect(decide(input({ matrix: { default: [] }, fired: [fired('x', 'y', 'high')] }))).toMatchObject({
      action: 'alert',
      rule: 'no-rule',
    });
  });
  it('explains the matrix as rows', () => {
    const rows = explainMatrix(matrix, ['staging']);
    expect(rows[0]).toEqual({
      environment: 'staging',
      order: 1,
      rule: 'staging#0',
      when: 'severity high|critical',
      action: 'alert',
      notify: ['#staging'],
      approval: '',
      from: 'environment',
    });
    expect(rows.find((r) => r.rule === 'performance')).toMatchObject({
      order: 7,
      approval: '15m 0s, then escalate',
      from: 'default',
    });
    expect(explainMatrix(DEFAULT_MATRIX).map((r) => `${r.environment}:${r.rule}:${r.action}`)).toEqual([
      '*:data-integrity-or-security:escalate',
      '*:data-integrity-or-security-signal:escalate',
      '*:health-check-failures:rollback',
      '*:critical:rollback',
      '*:error-rate:rollback',
      '*:performance:ask',
      '*:low:ignore',
    ]);
  });
});

describe('matrix validation', () => {
  it('accepts the default matrix', () => {
    expect(validateMatrix(DEFAULT_MATRIX)).toBe(DEFAULT_MATRIX);
  });
  it('lists every problem with its key path', () => {
    const bad = {
      environments: { production: [{ match: { severity: ['urgent'] }, action: 'rollback', onTimeout: 'rollback' }] },
      default: [
        { match: { colour: ['red'] }, action: 'panic' },
        { match: {}, action: 'ask', approvalTimeoutMs: -5 },
      ],
    } as unknown as DecisionMatrix;
    let caught: unknown;
    try {
      validateMatrix(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).details).toEqual([
      'policy.matrix.default[0].action: expected one of rollback, ask, alert, escalate, ignore, flag-off',
      'policy.matrix.default[0].match.colour: unknown key; expected severity, trigger, metric, environment',
      'policy.matrix.default[1].approvalTimeoutMs: expected a positive whole number of milliseconds',
      'policy.matrix.environments.production[0].match.severity: urgent is not one of low, medium, high, critical',
      'policy.matrix.environments.production[0]: approvalTimeoutMs and onTimeout only apply to action ask',
    ]);
  });
});
