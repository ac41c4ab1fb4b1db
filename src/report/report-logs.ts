/**
 * The `logs` part of the incident report: the failed release's output around
 * each instance's first failure, as `rollback.logs` recorded it (already
 * masked), and the Markdown section that shows it. Pure.
 */
import type { RewindEvent } from '../core/model.js';

/** One instance's excerpt; field names are a contract (`rewind report --json`). */
export interface ReportLog {
  /** the instance as its platform names it; `(previous)`: a restarted container's run that crashed */
  instance: string;
  /** the failed release's version label */
  release: string | null;
  revision: number | null;
  lines: string[];
  /** index in `lines` of the first line that reads as a failure; null when none did */
  firstFailure: number | null;
  omittedBefore: number;
  omittedAfter: number;
  /** the instance's whole output (masked) beside the report, in the state dir */
  file: string | null;
}

export interface ReportLogs {
  logs: ReportLog[];
  /** why there are no logs (a driver that cannot read them, a platform that did not answer) */
  logsNotCollected: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function reportLogs(events: readonly RewindEvent[]): ReportLogs {
  const recorded = events.filter((e) => e.type === 'rollback.logs');
  const logs: ReportLog[] = recorded.flatMap((event) =>
    (Array.isArray(event.data.logs) ? (event.data.logs as Record<string, unknown>[]) : []).map((l) => ({
      instance: str(l.instance) ?? 'unknown',
      release: str(l.release),
      revision: num(l.revision),
      lines: Array.isArray(l.lines) ? l.lines.map(String) : [],
      firstFailure: num(l.firstFailure),
      omittedBefore: num(l.omittedBefore) ?? 0,
      omittedAfter: num(l.omittedAfter) ?? 0,
      file: str(l.file),
    })),
  );
  const reasons = recorded.map((e) => str(e.data.notCollected)).filter((r): r is string => r !== null);
  const logsNotCollected =
    logs.length > 0
      ? null
      : (reasons[0] ?? (recorded.length > 0 ? 'no instance of the failed release printed anything' : 'not collected'));
  return { logs, logsNotCollected };
}

/** `## The failed release's logs`: each instance's excerpt in a fenced block, its first failure marked. */
export function renderLogsMarkdown(report: ReportLogs): string[] {
  const lines = ["## The failed release's logs", ''];
  if (report.logs.length === 0) return [...lines, `Not collected: ${report.logsNotCollected ?? 'unknown'}.`, ''];
  for (const log of report.logs) {
    const where =
      log.firstFailure === null
        ? 'no line reads as a failure; the newest lines'
        : `first failure at line ${log.omittedBefore + log.firstFailure + 1}`;
    lines.push(
      `### ${log.instance}${log.release ? ` (${log.release})` : ''}`,
      '',
      `${where}; full output: ${log.file ?? 'not kept'}`,
      '',
    );
    const fence = log.lines.some((l) => l.includes('```')) ? '~~~~' : '```';
    lines.push(fence);
    if (log.omittedBefore > 0) lines.push(`… ${log.omittedBefore} earlier lines`);
    log.lines.forEach((line, i) => lines.push(i === log.firstFailure ? `${line}   <-- first failure` : line));
    if (log.omittedAfter > 0) lines.push(`… ${log.omittedAfter} later lines`);
    lines.push(fence, '');
  }
  return lines;
}
