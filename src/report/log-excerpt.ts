/**
 * The part of an instance's output the incident report keeps: the lines around
 * its first failure (runbook: "collect all logs from the failed deployment" —
 * the report keeps what explains the fault, the full file lies beside it).
 * Pure: lines in, excerpt out.
 */

/** A line that reads as a failure: an error, an exception or its stack, a crash, a fatal exit. */
const FAILURE =
  /\b(error|exception|fatal|panic|traceback|uncaught|unhandled|segmentation fault|core dumped|oomkilled|crash(ed)?)\b|exited with (code )?[1-9]|killed by sig/i;

export interface LogWindow {
  /** lines kept before the first failure; default 200 */
  before: number;
  /** lines kept after it (the failure's own line aside); default 50 */
  after: number;
}

export interface LogExcerpt {
  lines: string[];
  /** index in `lines` of the first failure; null when no line reads as one (the excerpt is then the newest lines) */
  firstFailure: number | null;
  /** lines of the whole output left out before and after the excerpt */
  omittedBefore: number;
  omittedAfter: number;
}

/** A class name ending in Error or Exception (`TypeError`, `IllegalStateException`). */
const ERROR_CLASS = /[a-z](Error|Exception)\b/;

export function isFailureLine(line: string): boolean {
  return FAILURE.test(line) || ERROR_CLASS.test(line);
}

export function excerptAround(lines: readonly string[], window: LogWindow): LogExcerpt {
  const at = lines.findIndex(isFailureLine);
  if (at < 0) {
    const kept = lines.slice(-(window.before + window.after + 1));
    return { lines: kept, firstFailure: null, omittedBefore: lines.length - kept.length, omittedAfter: 0 };
  }
  const from = Math.max(0, at - window.before);
  const to = Math.min(lines.length, at + window.after + 1);
  return {
    lines: lines.slice(from, to),
    firstFailure: at - from,
    omittedBefore: from,
    omittedAfter: lines.length - to,
  };
}
