import { describeSequential } from '../core/policy/sequential-trigger.js';
import { formatDuration } from '../core/duration.js';
import type { IncidentReport } from './incident-report.js';
import type { RecoveryPhase } from './recovery-times.js';
import { renderLogsMarkdown } from './report-logs.js';
import { impactUsersMarkdown } from './impact-users-markdown.js';

const PHASE_LABELS: Record<RecoveryPhase, string> = {
  detectionToDecision: 'Detection → decision',
  decisionToExecution: 'Decision → execution (traffic restored)',
  executionToStable: 'Execution → stable',
  total: 'Total (detection → stable)',
  faultToDetection: 'Fault → detection',
  faultToTrafficRestored: 'Fault → traffic restored',
};

/** `2026-11-21 14:03:07.250` (UTC, milliseconds kept: the timeline is about seconds). */
export function formatTimestamp(at: number | null): string {
  if (at === null) return '—';
  return new Date(at).toISOString().replace('T', ' ').replace('Z', '');
}

const ms = (value: number | null): string => (value === null ? '—' : `${formatDuration(value)} (${value} ms)`);
const cell = (value: unknown): string =>
  value === null || value === undefined || value === ''
    ? '—'
    : String(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
const table = (head: string[], rows: unknown[][]): string[] => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
];

/** The report as Markdown for `<stateDir>/incidents/…md` and `rewind report`. */
export function renderIncidentMarkdown(report: IncidentReport): string {
  const { summary, impact, recovery } = report;
  const lines: string[] = [`# Incident: ${summary.headline}`, ''];
  lines.push(
    `Rollback \`${summary.rollbackId}\` · ${summary.kind} · scope ${summary.scope} · status **${summary.status}** · times in UTC`,
    '',
  );

  lines.push('## Summary', '');
  lines.push(
    ...table(
      ['Field', 'Value'],
      [
        ['Service', summary.service],
        ['Environment', summary.environment],
        ['From', `${summary.fromVersion ?? '?'} (revision ${summary.fromRevision ?? '?'})`],
        ['To', `${summary.toVersion ?? '?'} (revision ${summary.toRevision})`],
        ['Reason', summary.reason],
        ['Requested by', summary.requestedBy],
        ['Started', formatTimestamp(summary.startedAt ?? summary.createdAt)],
        ['Finished', formatTimestamp(summary.finishedAt)],
        ['Error', summary.error],
      ],
    ),
    '',
  );

  lines.push('## Impact', '', ...impactUsersMarkdown(impact, table));
  const unknown = 'not measured';
  const budget = impact.errorBudget
    ? `${impact.errorBudget.burnedPercent}% of ${impact.errorBudget.allowedFailures} allowed failures`
    : impact.failedRequests === null
      ? unknown
      : 'no error budget set';
  if (impact.measuredBy)
    lines.push(`Counted by the traffic switch (\`${impact.measuredBy}\`) for the rolled-back release.`, '');
  else if (impact.notMeasured) lines.push(`Not measured: ${impact.notMeasured}.`, '');
  lines.push(
    ...table(
      ['Measure', 'Value'],
      [
        [
          'Failed requests',
          impact.failedRequests === null
            ? unknown
            : `${impact.failedRequests}${impact.totalRequests !== null ? ` of ${impact.totalRequests}` : ''}`,
        ],
        ['Failed attempts (retried ones included)', impact.failedAttempts],
        ['Error rate', impact.errorRate === null ? unknown : `${(impact.errorRate * 100).toFixed(2)}%`],
        [
          'User impact (first failure → traffic restored)',
          impact.durationMs === null ? unknown : ms(impact.durationMs),
        ],
        ['Rollback duration', ms(impact.rollbackDurationMs)],
        ['Error budget burned', budget],
      ],
    ),
    '',
  );

  lines.push('## Recovery times', '');
  const times = recovery.times;
  const measured: [RecoveryPhase, number | null][] = [
    ['detectionToDecision', times.detectionToDecisionMs],
    ['decisionToExecution', times.decisionToExecutionMs],
    ['executionToStable', times.executionToStableMs],
    ['total', times.totalMs],
    ['faultToDetection', times.faultToDetectionMs],
    ['faultToTrafficRestored', times.faultToTrafficRestoredMs],
  ];
  const rows = measured
    .filter(([phase, value]) => value !== null || recovery.checks.some((check) => check.target === phase))
    .map(([phase, value]) => {
      const check = recovery.checks.find((entry) => entry.target === phase);
      return [
        PHASE_LABELS[phase],
        ms(value),
        check ? formatDuration(check.targetMs) : null,
        check ? check.result.toUpperCase() : null,
      ];
    });
  lines.push(...table(['Phase', 'Measured', 'Target', 'Result'], rows), '');
  lines.push(
    `Moments: detected ${formatTimestamp(times.detectedAt)} · decided ${formatTimestamp(times.decidedAt)} · traffic restored ${formatTimestamp(times.trafficRestoredAt)} · stable ${formatTimestamp(times.stableAt)}`,
    '',
  );

  lines.push('## Evidence', '');
  if (report.evidence.length === 0) lines.push('No trigger fired: the rollback was requested by hand.', '');
  else {
    lines.push(
      ...table(
        ['Time', 'Trigger', 'Metric', 'Value', 'Threshold', 'Window', 'Samples', 'Severity', 'Revision'],
        report.evidence.map((e) => [
          formatTimestamp(e.at),
          e.trigger,
          e.metric,
          e.value,
          `${e.op} ${e.threshold ?? '?'}`,
          e.windowMs === null ? null : formatDuration(e.windowMs),
          e.samples,
          e.severity,
          e.revision,
        ]),
      ),
      '',
    );
    for (const e of report.evidence) {
      if (e.shadow) lines.push(`${e.trigger} is a shadow trigger: recorded here, it decided nothing.`, '');
      if (e.alert) {
        const labels = Object.entries(e.alert.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(', ');
        lines.push(
          `Alert ${e.alert.labels.alertname ?? e.trigger} from ${e.alert.source}, started ${formatTimestamp(e.alert.startsAt)}, labels {${labels}}: blamed on this release because ${e.alert.blamed}.`,
          '',
        );
      }
      if (e.sequential)
        lines.push(
          `Sequential evidence of ${e.trigger}: ${describeSequential(e.metric, e.sequential, e.sequential.thresholdMs)}.`,
          '',
        );
    }
  }
  if (report.decisions.length > 0) {
    lines.push(
      'Decisions:',
      '',
      ...report.decisions.map(
        (d) =>
          `- ${formatTimestamp(d.at)} **${d.action}** by ${d.by}${d.rule ? ` (rule ${d.rule})` : ''}${d.reason ? `: ${d.reason}` : ''}`,
      ),
      '',
    );
  }

  lines.push('## Timeline', '');
  lines.push(
    ...table(
      ['Time (UTC)', '+ms', 'Event', 'Actor', 'Message'],
      report.timeline.map((t) => [formatTimestamp(t.at), `+${t.offsetMs}`, t.type, t.actor, t.message]),
    ),
    '',
  );

  lines.push('## Steps', '');
  lines.push(
    ...table(
      ['#', 'Step', 'Title', 'Outcome', 'Attempts', 'Duration', 'Error'],
      report.steps.map((s) => [
        s.index + 1,
        s.name,
        s.title,
        s.status,
        s.attempts,
        s.durationMs === null ? null : formatDuration(s.durationMs),
        s.error,
      ]),
    ),
    '',
  );

  // what the platform said while a step ran (a failed release's last log lines, masked when journaled)
  const outputs = report.steps.filter((s) => (s.output ?? '').includes('\n'));
  if (outputs.length > 0) {
    lines.push('## Step output', '');
    for (const s of outputs)
      lines.push(`${s.index + 1}. ${s.name}`, '', '```', ...(s.output ?? '').split('\n').slice(-40), '```', '');
  }

  lines.push(...renderLogsMarkdown(report));
  lines.push(
    '## Root cause',
    '',
    report.rootCause ??
      '_To be written: what changed, why it failed, why the checks before production did not catch it._',
    '',
  );
  lines.push('## Action items', '');
  for (const item of report.actionItems) lines.push(`- [ ] ${item.text}${item.owner ? ` (${item.owner})` : ''}`);
  lines.push('- [ ] _Add the follow-ups agreed in the review, each with an owner._', '');
  lines.push(`_Generated by Rewind at ${formatTimestamp(report.generatedAt)} UTC._`, '');
  return lines.join('\n');
}
