import { describe, expect, it } from 'vitest';
import { excerptAround, isFailureLine } from '../../src/report/log-excerpt.js';
import { reportLogs, renderLogsMarkdown } from '../../src/report/report-logs.js';
import type { RewindEvent } from '../../src/core/model.js';

const numbered = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

describe('the excerpt around the first failure (pure)', () => {
  it('keeps `before` lines before the first failure and `after` after it', () => {
    const lines = [...numbered(10), 'Error: boom', '    at f (a.js:1:1)', ...numbered(10, 'later'), 'Error: again'];
    const excerpt = excerptAround(lines, { before: 3, after: 2 });
    expect(excerpt).toEqual({
      lines: ['line 8', 'line 9', 'line 10', 'Error: boom', '    at f (a.js:1:1)', 'later 1'],
      firstFailure: 3,
      omittedBefore: 7,
      omittedAfter: 10,
    });
  });

  it('without a failure line: the newest before + after + 1 lines', () => {
    expect(excerptAround(numbered(10), { before: 2, after: 1 })).toEqual({
      lines: ['line 7', 'line 8', 'line 9', 'line 10'],
      firstFailure: null,
      omittedBefore: 6,
      omittedAfter: 0,
    });
  });

  it('reads errors, exceptions, panics, crashes and non-zero exits as failures, not words that merely contain them', () => {
    for (const line of [
      'Error: x',
      'java.lang.IllegalStateException: y',
      'Traceback (most recent call last):',
      'panic: runtime error',
      'FATAL could not bind',
      '[rewind 2026-12-07T10:00:00Z] instance 0 exited with code 1',
      'Segmentation fault (core dumped)',
      'TypeError: x is not a function',
    ])
      expect(isFailureLine(line), line).toBe(true);
    for (const line of [
      'errors=0 warnings=2',
      'listening on :8080',
      'exited with code 0',
      'terrorist',
      'ErrorBudget ok',
    ])
      expect(isFailureLine(line), line).toBe(false);
  });

  it('the report part reads rollback.logs events and says why when there are none', () => {
    const event = (data: Record<string, unknown>): RewindEvent =>
      ({ id: 1, at: 1, type: 'rollback.logs', actor: 'rewind', message: '', data }) as unknown as RewindEvent;
    const part = reportLogs([
      event({
        logs: [
          {
            instance: 'web-0',
            release: 'v2',
            revision: 2,
            lines: ['a', 'Error: b'],
            firstFailure: 1,
            omittedBefore: 5,
            omittedAfter: 0,
            file: '/x',
          },
        ],
      }),
    ]);
    expect(part.logs).toEqual([
      {
        instance: 'web-0',
        release: 'v2',
        revision: 2,
        lines: ['a', 'Error: b'],
        firstFailure: 1,
        omittedBefore: 5,
        omittedAfter: 0,
        file: '/x',
      },
    ]);
    expect(renderLogsMarkdown(part)).toContain('Error: b   <-- first failure');
    expect(renderLogsMarkdown(part)).toContain('… 5 earlier lines');
    expect(
      reportLogs([event({ logs: [], notCollected: 'the helm driver cannot read a release’s output' })])
        .logsNotCollected,
    ).toBe('the helm driver cannot read a release’s output');
    expect(reportLogs([]).logsNotCollected).toBe('not collected');
  });
});
