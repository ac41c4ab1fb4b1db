/** The incident report: timeline, evidence, steps, measured recovery times. */
export {
  buildIncidentReport,
  type IncidentReport,
  type IncidentReportInput,
  type ErrorBudget,
  type TimelineEntry,
  type Evidence,
} from './incident-report.js';
export { renderIncidentMarkdown, formatTimestamp } from './incident-markdown.js';
export { writeIncidentReport, incidentFileName } from './write-report.js';
export {
  measureRecoveryTimes,
  checkRecoveryTargets,
  missedTargets,
  RECOVERY_PHASES,
  type RecoveryTimes,
  type RecoveryMoments,
  type RecoveryTargets,
  type RecoveryPhase,
  type TargetCheck,
} from './recovery-times.js';
export { buildSteps, type ReportStep, type ReportAttempt } from './report-steps.js';
