import { formatDuration } from '../../core/duration.js';
import type { DrillResult } from './drill-result.js';

const ms = (value: number | null): string => (value === null ? '—' : formatDuration(value));
const time = (at: number | null): string => (at === null ? '—' : new Date(at).toISOString());

/** The drill report a team files after a game day: what was injected, what caught it, how fast. */
export function renderDrillMarkdown(result: DrillResult): string {
  const lines = [
    `# Drill ${result.drillId}: ${result.fault} on ${result.service} in ${result.environment}`,
    '',
    `**Outcome:** ${result.outcome}${result.targetsMissed.length ? ` — targets missed: ${result.targetsMissed.join(', ')}` : result.targets.length ? ' — every target met' : ''}`,
    '',
    '| | |',
    '|---|---|',
    `| Started | ${time(result.startedAt)} |`,
    `| Fault active with traffic | ${time(result.faultAt)} |`,
    `| Faulty copy | ${result.revision === null ? '—' : `revision ${result.revision}`} |`,
    `| Rollback | ${result.rollbackId ? `${result.rollbackId} (${result.rollbackKind})` : '—'} |`,
    `| Finished | ${time(result.finishedAt)} |`,
    '',
    '## Measured',
    '',
    '| phase | time |',
    '|---|---|',
    `| fault → detection | ${ms(result.detectedAfterMs)}${result.detectedAfterMs === null ? ' (nothing detected it)' : ''} |`,
    `| fault → traffic restored | ${ms(result.trafficRestoredAfterMs)} |`,
    `| fault → stable (total) | ${ms(result.totalMs)} |`,
    '',
  ];
  if (result.targets.length) {
    lines.push('## Targets', '', '| target | measured | target | result |', '|---|---|---|---|');
    for (const check of result.targets)
      lines.push(`| ${check.target} | ${ms(check.measuredMs)} | ${ms(check.targetMs)} | ${check.result} |`);
    lines.push('');
  }
  if (result.error) lines.push('## Problems', '', result.error, '');
  if (result.rollbackId) lines.push(`The incident report of the rollback: \`rewind report ${result.rollbackId}\`.`, '');
  return lines.join('\n');
}
