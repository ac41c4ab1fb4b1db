/**
 * The command driver's `logs` command output as instances: the user's command
 * prints the release's recent output, and a line `==> NAME <==` (what `tail`
 * prints before each of several files) starts the output of instance NAME.
 * Without such a line the whole output is one instance named after the release.
 */
import type { InstanceOutput } from '../../core/ports/driver.js';
import type { OutputCapture } from '../../core/ports/process.js';

/** The newest 4 MB of what the logs command prints. */
export const LOGS_CAPTURE: OutputCapture = { max: 4 * 1024 * 1024, keep: 'tail' };

const HEADER = /^==> (.+) <==$/;

export function splitInstances(text: string, fallback: string, maxLines: number): InstanceOutput[] {
  const out: InstanceOutput[] = [];
  let current: InstanceOutput | null = null;
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line.trim());
    if (header) {
      current = { instance: header[1] as string, lines: [] };
      out.push(current);
      continue;
    }
    if (!current) {
      if (line.trim() === '') continue;
      current = { instance: fallback, lines: [] };
      out.push(current);
    }
    current.lines.push(line.trimEnd());
  }
  for (const instance of out) {
    // `tail` separates files with an empty line
    while (instance.lines.at(-1) === '') instance.lines.pop();
    instance.lines = instance.lines.slice(-maxLines);
  }
  return out;
}
