/** The incident report's shape: what `buildIncidentReport` takes and gives (field names are a contract). */
import type { SequentialEvidence } from '../core/policy/sequential-trigger.js';
import type { RewindEvent, RollbackDetail } from '../core/model.js';
import type { RecoveryTargets, RecoveryTimes, TargetCheck } from './recovery-times.js';
import type { ReportStep } from './report-steps.js';
import type { ReportLog } from './report-logs.js';
import type { CostModel, ImpactUsersPart } from './impact-users.js';

/** The error budget the impact is measured against; give one of the two forms. */
export interface ErrorBudget {
  /** the SLO, e.g. 0.999 */
  objective?: number;
  /** requests in the SLO period, to turn the objective into allowed failures */
  periodRequests?: number;
  /** failures the period allows, when known directly */
  allowedFailures?: number;
}

export interface IncidentReportInput {
  rollback: RollbackDetail;
  /** the incident's events: the rollback's and the triggers/decisions before it */
  events: RewindEvent[];
  /** recovery targets to compare with; default none */
  targets?: RecoveryTargets;
  errorBudget?: ErrorBudget;
  /** `impact.cost` of rewind.yaml: prices the failed requests (an estimate); default none */
  cost?: CostModel;
  /** when the report is built; default the last event's time */
  generatedAt?: number;
}

export interface TimelineEntry {
  id: number;
  at: number;
  /** ISO 8601 with milliseconds */
  time: string;
  /** ms since the first entry */
  offsetMs: number;
  type: string;
  actor: string;
  message: string;
}

export interface Evidence {
  at: number;
  time: string;
  trigger: string;
  metric: string;
  value: number | null;
  threshold: number | null;
  op: string;
  windowMs: number | null;
  samples: number | null;
  severity: string;
  revision: number | null;
  /** sequential evidence: the test, the requests it used and the confidence it reached */
  sequential?: SequentialEvidence;
  /** a shadow trigger: recorded as evidence, it decided nothing */
  shadow?: boolean;
  /** the alert from the team's monitoring behind an `alert` trigger, and why it was blamed on this release */
  alert?: { source: string; labels: Record<string, string>; startsAt: number; blamed: string };
}

/** The report as JSON (`rewind report --format json`); field names are a contract. */
export interface IncidentReport {
  version: 1;
  generatedAt: number;
  summary: {
    rollbackId: string;
    service: string;
    environment: string;
    kind: string;
    scope: string;
    status: string;
    fromRevision: number | null;
    toRevision: number;
    fromVersion: string | null;
    toVersion: string | null;
    reason: string;
    requestedBy: string;
    createdAt: number;
    startedAt: number | null;
    finishedAt: number | null;
    error: string | null;
    headline: string;
  };
  impact: {
    /** what counted the requests (the local driver's traffic switch: `local`); null when not measured */
    measuredBy: string | null;
    /**
     * why there are no numbers, when there are none; with requests counted but
     * `users` null, why users were not (no user key configured)
     */
    notMeasured: string | null;
    /** requests that failed for their user (a retry answered well elsewhere is not one) */
    failedRequests: number | null;
    totalRequests: number | null;
    /** failed / total, 0–1 */
    errorRate: number | null;
    /** users affected: first failed request (or the drill's fault) → traffic restored */
    durationMs: number | null;
    /** the rollback itself: initiated → completed */
    rollbackDurationMs: number | null;
    errorBudget: { allowedFailures: number; burnedPercent: number } | null;
  } & ImpactUsersPart;
  timeline: TimelineEntry[];
  evidence: Evidence[];
  decisions: { at: number; time: string; action: string; rule: string; reason: string; by: string }[];
  steps: ReportStep[];
  recovery: { times: RecoveryTimes; checks: TargetCheck[]; allTargetsMet: boolean };
  /** to be written by people: null until then */
  rootCause: string | null;
  /** suggested from what the data shows; people add and assign the rest */
  actionItems: { text: string; owner: string | null }[];
  /** the failed release's output around each instance's first failure (masked), see report-logs.ts */
  logs: ReportLog[];
  logsNotCollected: string | null;
}
