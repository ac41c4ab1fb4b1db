import type { OutputCapture } from '../core/ports/process.js';

/** The first megabyte of each stream, unless the caller asks otherwise. */
export const DEFAULT_CAPTURE: OutputCapture = { max: 1_000_000, keep: 'head' };

/** Keeps one stream's text within its capture limit. */
export function appendCaptured(kept: string, text: string, capture: OutputCapture): string {
  if (capture.keep === 'tail') return (kept + text).slice(-capture.max);
  // head: the whole chunk that starts below the limit is kept, as a reader of the first lines expects
  return kept.length < capture.max ? kept + text : kept;
}

/**
 * Splits a stream into lines as chunks arrive; each stream has its own buffer so
 * a line of stderr never joins half a line of stdout.
 */
export function lineSplitter(onLine: ((line: string) => void) | undefined) {
  let partial = '';
  return {
    push(text: string): void {
      if (!onLine) return;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    flush(): void {
      if (partial && onLine) onLine(partial);
      partial = '';
    },
  };
}
