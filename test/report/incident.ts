import type { JournalEntry, RewindEvent, RollbackDetail, Step } from '../../src/core/model.js';

/** 2026-11-21T14:00:00.000Z: the deploy of the constructed incident. */
export const T0 = Date.UTC(2026, 10, 21, 14, 0, 0, 0);
const ID = 'rb_0q3xk2abcde';

/**
 * A realistic incident: api v1.4.0 deployed, a noisy trigger ignored, then the
 * error rate climbs, policy asks, alice approves, the rollback runs its five
 * steps (shift-traffic needed a second attempt) and the watch ends stable.
 */
export function incidentEvents(): RewindEvent[] {
  let id = 100;
  const ev = (
    offset: number,
    type: string,
    data: Record<string, unknown>,
    actor = 'rewind',
    extra: Partial<RewindEvent> = {},
  ): RewindEvent => ({
    id: id++,
    at: T0 + offset,
    type,
    service: 'api',
    environment: 'production',
    rollbackId: type.startsWith('rollback.') ? ID : null,
    revision: 7,
    actor,
    message: `${type} (${actor})`,
    data,
    ...extra,
  });
  const trigger = (
    offset: number,
    name: string,
    metric: string,
    value: number,
    threshold: number,
    extra: Record<string, unknown> = {},
  ) =>
    ev(offset, 'trigger.fired', {
      trigger: name,
      metric,
      value,
      threshold,
      op: 'above',
      windowMs: 60_000,
      samples: 12,
      severity: 'critical',
      revision: 7,
      ...extra,
    });
  return [
    ev(0, 'deploy.started', { version: 'v1.4.0', revision: 7, strategy: 'bluegreen' }, 'alice'),
    ev(20_000, 'deploy.ready', { revision: 7 }),
    trigger(25_000, 'cpu-high', 'cpu', 0.93, 0.9),
    ev(25_100, 'decision.made', { action: 'ignore', rule: 'cpu-noise', reason: 'cpu only, below error budget' }),
    trigger(42_350, 'error-rate', 'error_rate', 0.14, 0.1, { faultStartedAt: T0 + 30_000 }),
    trigger(43_000, 'latency-p95', 'p95_ms', 1840, 800, { faultStartedAt: T0 + 30_000 }),
    ev(43_120, 'decision.made', {
      action: 'ask',
      rule: 'prod-ask',
      reason: 'error rate 14% > 10% for 1m',
      approvalId: 'ap_1',
      approveCommand: 'rewind approve ap_1',
      rejectCommand: 'rewind reject ap_1',
    }),
    ev(43_130, 'approval.requested', { approvalId: 'ap_1', deadline: T0 + 343_130, onTimeout: 'rollback' }),
    ev(61_480, 'approval.approved', { approvalId: 'ap_1', by: 'alice', reason: 'confirmed in dashboards' }, 'alice'),
    ev(61_500, 'rollback.initiated', {
      kind: 'automatic',
      fromRevision: 7,
      toRevision: 6,
      fromVersion: 'v1.4.0',
      toVersion: 'v1.3.2',
      reason: 'error rate 14% > 10% for 1m',
      steps: ['start', 'await-healthy', 'shift-traffic', 'retire', 'watch'],
    }),
    ev(61_510, 'rollback.step-started', { index: 0, name: 'start', title: 'start api v1.3.2 (revision 6)' }),
    ev(63_010, 'rollback.step-finished', { index: 0, name: 'start', status: 'done', durationMs: 1500 }),
    ev(63_020, 'rollback.step-started', { index: 1, name: 'await-healthy', title: 'await healthy revision 6' }),
    ev(66_020, 'rollback.step-finished', { index: 1, name: 'await-healthy', status: 'done', durationMs: 3000 }),
    ev(66_030, 'rollback.step-started', { index: 2, name: 'shift-traffic', title: 'shift 100% to revision 6' }),
    ev(66_530, 'rollback.step-finished', { index: 2, name: 'shift-traffic', status: 'done', durationMs: 500 }),
    ev(66_540, 'rollback.traffic-restored', {
      toRevision: 6,
      atMs: T0 + 66_535,
      impact: {
        measured: true,
        source: 'local',
        failedRequests: 412,
        totalRequests: 20_600,
        firstFailureAt: T0 + 30_000,
        trafficRestoredAt: T0 + 66_535,
      },
    }),
    ev(66_545, 'rollback.step-started', { index: 3, name: 'retire', title: 'retire revision 7' }),
    ev(67_045, 'rollback.step-finished', { index: 3, name: 'retire', status: 'done', durationMs: 500 }),
    ev(67_050, 'rollback.step-started', { index: 4, name: 'watch', title: 'watch revision 6 for 30s' }),
    ev(97_050, 'rollback.step-finished', { index: 4, name: 'watch', status: 'done', durationMs: 30_000 }),
    ev(97_060, 'rollback.completed', { durationMs: 35_560, failedRequests: 412, totalRequests: 20_600 }),
  ];
}

export function incidentRollback(): RollbackDetail {
  const spec = (index: number, name: Step['name'], title: string, start: number, end: number, attempts = 1): Step => ({
    rollbackId: ID,
    index,
    name,
    title,
    params: {},
    timeoutMs: 60_000,
    onFailure: 'abort',
    status: 'done',
    attempts,
    output: null,
    error: null,
    startedAt: T0 + start,
    finishedAt: T0 + end,
  });
  const steps = [
    spec(0, 'start', 'start api v1.3.2 (revision 6)', 61_510, 63_010),
    spec(1, 'await-healthy', 'await healthy revision 6', 63_020, 66_020),
    spec(2, 'shift-traffic', 'shift 100% to revision 6', 66_030, 66_530, 2),
    spec(3, 'retire', 'retire revision 7', 66_545, 67_045),
    spec(4, 'watch', 'watch revision 6 for 30s', 67_050, 97_050),
  ];
  const journal: JournalEntry[] = steps.map((step) => ({
    rollbackId: ID,
    stepIndex: step.index,
    attempt: step.attempts,
    status: 'done',
    output: null,
    error: null,
    startedAt: step.startedAt ?? 0,
    finishedAt: step.finishedAt,
  }));
  journal.push({
    rollbackId: ID,
    stepIndex: 2,
    attempt: 1,
    status: 'interrupted',
    output: null,
    error: 'controller restarted',
    startedAt: T0 + 66_030,
    finishedAt: T0 + 66_100,
  });
  return {
    id: ID,
    service: 'api',
    environment: 'production',
    kind: 'automatic',
    scope: 'service',
    status: 'succeeded',
    fromRevision: 7,
    toRevision: 6,
    reason: 'error rate 14% > 10% for 1m',
    requestedBy: 'policy:prod-ask',
    createdAt: T0 + 61_490,
    startedAt: T0 + 61_500,
    finishedAt: T0 + 97_060,
    error: null,
    steps,
    journal,
  };
}
