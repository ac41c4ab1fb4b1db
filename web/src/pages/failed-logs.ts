import type { IncidentReport } from '../../../src/report/index.js';
import { h } from '../dom.js';

/**
 * The rollback page's "The failed release's logs": each instance's excerpt
 * around its first failure (masked by the controller), the failure line marked,
 * and where the whole output is kept. Open by default for instances that failed.
 */
export function failedLogs(report: IncidentReport): HTMLElement {
  const section = h('section', { class: 'failed-logs' }, h('h2', {}, 'The failed release’s logs'));
  if (report.logs.length === 0) {
    section.append(h('p', { class: 'muted' }, `Not collected: ${report.logsNotCollected ?? 'unknown'}.`));
    return section;
  }
  for (const log of report.logs) {
    const where =
      log.firstFailure === null
        ? 'no line reads as a failure; the newest lines'
        : `first failure at line ${log.omittedBefore + log.firstFailure + 1}`;
    const lines = log.lines.map((line, i) =>
      i === log.firstFailure ? h('mark', { 'data-first-failure': true }, `${line}\n`) : `${line}\n`,
    );
    section.append(
      h(
        'details',
        { open: log.firstFailure !== null, 'data-instance': log.instance },
        h('summary', {}, `${log.instance}${log.release ? ` (${log.release})` : ''} — ${where}`),
        h(
          'pre',
          {},
          log.omittedBefore > 0 ? `… ${log.omittedBefore} earlier lines\n` : '',
          ...lines,
          log.omittedAfter > 0 ? `… ${log.omittedAfter} later lines\n` : '',
        ),
        h('p', { class: 'muted' }, `Full output: ${log.file ?? 'not kept'}`),
      ),
    );
  }
  return section;
}
