import type { SequentialEvidence } from '../core/policy/sequential-trigger.js';
import type { RewindEvent } from '../core/model.js';
import { checkRecoveryTargets, measureRecoveryTimes } from './recovery-times.js';
import { buildSteps } from './report-steps.js';
import { reportLogs } from './report-logs.js';
import { impactUsersPart } from './impact-users.js';
import type { ErrorBudget, Evidence, IncidentReport, IncidentReportInput } from './incident-types.js';

export type { ErrorBudget, Evidence, IncidentReport, IncidentReportInput, TimelineEntry } from './incident-types.js';

const iso = (at: number): string => new Date(at).toISOString();
/** The sequential test's record of a trigger.fired event, when it has one. */
function sequentialOf(value: unknown): { sequential?: SequentialEvidence } {
  const record = value as Partial<SequentialEvidence> | null | undefined;
  if (record === null || typeof record !== 'object' || typeof record.method !== 'string') return {};
  return { sequential: record as SequentialEvidence };
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null =>
  typeof value === 'string' ? value : value === undefined || value === null ? null : String(value);

/** Builds the incident report of one rollback. Pure: no I/O. */
export function buildIncidentReport(input: IncidentReportInput): IncidentReport {
  const { rollback } = input;
  const events = [...input.events].sort((a, b) => a.at - b.at || a.id - b.id);
  const first = (type: string): RewindEvent | undefined => events.find((event) => event.type === type);
  const initiated = first('rollback.initiated')?.data ?? {};
  const completed = first('rollback.completed')?.data ?? {};

  const times = measureRecoveryTimes(events);
  const checks = checkRecoveryTargets(times, input.targets);
  const steps = buildSteps(rollback, events);

  // the switch's count once the bad release was drained (see app/record/impact.ts)
  const counted = (first('rollback.impact')?.data.impact ?? null) as Record<string, unknown> | null;
  const measured = counted?.measured === true;
  const failedRequests = measured ? num(counted.failedRequests) : num(completed.failedRequests);
  const totalRequests = measured ? num(counted.totalRequests) : num(completed.totalRequests);
  const firstFailureAt = measured ? num(counted.firstFailureAt) : null;
  const impactStart = firstFailureAt ?? times.faultAt;
  const durationMs =
    measured && firstFailureAt === null
      ? 0
      : impactStart !== null && times.trafficRestoredAt !== null
        ? Math.max(0, times.trafficRestoredAt - impactStart)
        : null;
  const { usersNotMeasured, ...usersPart } = impactUsersPart(counted, failedRequests, input.cost);
  const rollbackDurationMs =
    num(completed.durationMs) ??
    (rollback.startedAt !== null && rollback.finishedAt !== null ? rollback.finishedAt - rollback.startedAt : null);

  const fromVersion = str(initiated.fromVersion);
  const toVersion = str(initiated.toVersion);
  const outcome =
    rollback.status === 'succeeded'
      ? 'rolled back'
      : rollback.status === 'superseded'
        ? 'rolled back (its watch ended by a newer deploy)'
        : rollback.status === 'escalated'
          ? 'rollback escalated'
          : rollback.status === 'failed'
            ? 'rollback failed'
            : `rollback ${rollback.status}`;
  const headline =
    rollback.scope === 'site'
      ? `site switch in ${rollback.environment} ${rollback.status}: ${fromVersion ?? '?'} → ${toVersion ?? '?'}`
      : `${rollback.service} ${outcome} in ${rollback.environment}: ${fromVersion ?? `revision ${rollback.fromRevision ?? '?'}`} → ${toVersion ?? `revision ${rollback.toRevision}`}`;

  const timeline = events.map((event) => ({
    id: event.id,
    at: event.at,
    time: iso(event.at),
    offsetMs: event.at - (events[0]?.at ?? event.at),
    type: event.type,
    actor: event.actor,
    message: event.message,
  }));

  // evidence is the episode that led to the rollback: triggers an earlier `ignore`
  // closed stay in the timeline but are not why this rollback happened
  const evidence = events
    .filter(
      (event) =>
        (event.type === 'trigger.fired' || event.type === 'trigger.shadow-fired') &&
        (times.detectedAt === null || event.at >= times.detectedAt),
    )
    .map((event) => ({
      at: event.at,
      time: iso(event.at),
      trigger: str(event.data.trigger) ?? '',
      metric: str(event.data.metric) ?? '',
      value: num(event.data.value),
      threshold: num(event.data.threshold),
      op: str(event.data.op) ?? '',
      windowMs: num(event.data.windowMs),
      samples: num(event.data.samples),
      severity: str(event.data.severity) ?? '',
      revision: num(event.data.revision) ?? event.revision,
      ...sequentialOf(event.data.sequential),
      ...(event.type === 'trigger.shadow-fired' ? { shadow: true } : {}),
      ...alertOf(event.data.alert),
    }));

  const decisions = events
    .filter((event) =>
      ['decision.made', 'approval.approved', 'approval.rejected', 'approval.timeout'].includes(event.type),
    )
    .map((event) => ({
      at: event.at,
      time: iso(event.at),
      action: event.type === 'decision.made' ? (str(event.data.action) ?? '') : event.type.slice('approval.'.length),
      rule: str(event.data.rule) ?? '',
      reason: str(event.data.reason) ?? '',
      by: str(event.data.by) ?? event.actor,
    }));

  const actionItems = [
    ...checks
      .filter((check) => check.result === 'miss')
      .map((check) => ({
        text: `Recovery target "${check.target}" missed: find what made it slow and fix it.`,
        owner: null,
      })),
    ...steps
      .filter((step) => step.status === 'failed')
      .map((step) => ({
        text: `Step ${step.index + 1} (${step.name}) failed: ${step.error ?? 'see the journal'}.`,
        owner: null,
      })),
  ];

  return {
    version: 1,
    generatedAt: input.generatedAt ?? events.at(-1)?.at ?? rollback.finishedAt ?? rollback.createdAt,
    summary: {
      rollbackId: rollback.id,
      service: rollback.service,
      environment: rollback.environment,
      kind: rollback.kind,
      scope: rollback.scope,
      status: rollback.status,
      fromRevision: rollback.fromRevision,
      toRevision: rollback.toRevision,
      fromVersion,
      toVersion,
      reason: rollback.reason,
      requestedBy: rollback.requestedBy,
      createdAt: rollback.createdAt,
      startedAt: rollback.startedAt,
      finishedAt: rollback.finishedAt,
      error: rollback.error,
      headline,
    },
    impact: {
      measuredBy: measured ? str(counted.source) : null,
      notMeasured: measured
        ? usersNotMeasured
        : (str(counted?.reason) ?? (failedRequests === null ? 'no source counted the requests' : null)),
      failedRequests,
      totalRequests,
      errorRate: failedRequests !== null && totalRequests ? failedRequests / totalRequests : null,
      durationMs,
      rollbackDurationMs,
      errorBudget: budget(failedRequests, input.errorBudget),
      ...usersPart,
    },
    timeline,
    evidence,
    decisions,
    steps,
    recovery: { times, checks, allTargetsMet: checks.every((check) => check.result !== 'miss') },
    rootCause: null,
    actionItems,
    ...reportLogs(events),
  };
}

function budget(failed: number | null, errorBudget: ErrorBudget | undefined): IncidentReport['impact']['errorBudget'] {
  if (failed === null || !errorBudget) return null;
  const allowed =
    errorBudget.allowedFailures ??
    (errorBudget.objective !== undefined && errorBudget.periodRequests !== undefined
      ? (1 - errorBudget.objective) * errorBudget.periodRequests
      : null);
  if (allowed === null || !(allowed > 0)) return null;
  return {
    allowedFailures: Math.round(allowed * 1000) / 1000,
    burnedPercent: Math.round((failed / allowed) * 100_000) / 1000,
  };
}

/** The alert behind an `alert` trigger, as recorded with it. */
function alertOf(value: unknown): { alert?: NonNullable<Evidence['alert']> } {
  if (typeof value !== 'object' || value === null) return {};
  const a = value as Record<string, unknown>;
  const labels = typeof a.labels === 'object' && a.labels !== null ? (a.labels as Record<string, string>) : {};
  return {
    alert: {
      source: str(a.source) ?? '',
      labels,
      startsAt: num(a.startsAt) ?? 0,
      blamed: str(a.blamed) ?? '',
    },
  };
}
