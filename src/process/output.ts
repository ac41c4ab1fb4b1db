import type { OutputCapture } from '../core/ports/process.js';

/** The first megabyte of each stream, unless the caller asks otherwise. */
export const DEFAULT_CAPTURE: OutputCapture = { max: 1_000_000, keep: 'head' };

/** Keeps one stream's text within its capture limit. */
export function appendCaptured(kept: string, text: string, capture: OutputCapture): string {
  if (capture.keep === 'tail') return (kept + text).slice(-capture.max);
  // head: the whole chunk that starts below the limit is kept, as a reader of the first lines expects
  return kept.length < capture.max ? kept + text : kept;
}

/** The longest line handed on; a longer one is left out whole, so memory stays bounded. */
export const MAX_LINE = 64 * 1024;

/**
 * Splits a stream into lines as chunks arrive; each stream has its own buffer so
 * a line of stderr never joins half a line of stdout. A line longer than
 * MAX_LINE is replaced by a note of its length rather than cut: the receiver
 * masks secrets by value, and a cut through a secret would leave a part no
 * mask matches.
 */
export function lineSplitter(onLine: ((line: string) => void) | undefined) {
  let partial = '';
  let skipped = 0;
  const note = (length: number) => `(a line of ${length} characters was left out: longer than ${MAX_LINE})`;
  const emit = (line: string) => {
    if (skipped) onLine?.(note(skipped + line.length));
    else onLine?.(line);
    skipped = 0;
  };
  return {
    push(text: string): void {
      if (!onLine) return;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line);
      if (partial.length > MAX_LINE) {
        skipped += partial.length;
        partial = '';
      }
    },
    flush(): void {
      if ((partial || skipped) && onLine) emit(partial);
      partial = '';
      skipped = 0;
    },
  };
}
