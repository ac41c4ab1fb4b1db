import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIncidentReport } from '../../src/report/incident-report.js';
import { renderIncidentMarkdown } from '../../src/report/incident-markdown.js';
import { checkRecoveryTargets, measureRecoveryTimes, missedTargets } from '../../src/report/recovery-times.js';
import { writeIncidentReport } from '../../src/report/write-report.js';
import { incidentEvents, incidentRollback, T0 } from './incident.js';

const targets = { detectionToDecision: '30s', decisionToExecution: '5s', executionToStable: 60_000, total: '2m' };

describe('measureRecoveryTimes', () => {
  it('measures each phase from the events, whatever their order', () => {
    const times = measureRecoveryTimes(incidentEvents().reverse());
    expect(times).toEqual({
      faultAt: T0 + 30_000,
      detectedAt: T0 + 42_350, // the cpu episode before was ignored
      decidedAt: T0 + 61_480, // alice approved
      executionStartedAt: T0 + 61_500,
      trafficRestoredAt: T0 + 66_535, // atMs of traffic-restored
      stableAt: T0 + 97_060,
      detectionToDecisionMs: 19_130,
      decisionToExecutionMs: 5_055,
      executionToStableMs: 30_525,
      totalMs: 54_710,
      faultToDetectionMs: 12_350,
      faultToTrafficRestoredMs: 36_535,
    });
  });

  it('an automatic decision counts from decision.made; a manual rollback has no detection', () => {
    const automatic = incidentEvents()
      .filter((event) => !event.type.startsWith('approval.'))
      .map((event) =>
        event.type === 'decision.made' && event.data.action === 'ask'
          ? { ...event, data: { ...event.data, action: 'rollback' } }
          : event,
      );
    expect(measureRecoveryTimes(automatic).detectionToDecisionMs).toBe(43_120 - 42_350);

    const manual = incidentEvents().filter((event) => event.type.startsWith('rollback.'));
    const times = measureRecoveryTimes(manual);
    expect(times.detectedAt).toBeNull();
    expect(times.detectionToDecisionMs).toBeNull();
    expect(times.decidedAt).toBe(T0 + 61_500);
    expect(times.totalMs).toBe(97_060 - 61_500);
    expect(checkRecoveryTargets(times, targets).find((check) => check.target === 'detectionToDecision')?.result).toBe(
      'n/a',
    );
  });

  it('missedTargets yields the target.missed data', () => {
    expect(missedTargets(incidentEvents(), targets)).toEqual([
      { target: 'decisionToExecution', measuredMs: 5_055, targetMs: 5_000 },
    ]);
    expect(() => checkRecoveryTargets(measureRecoveryTimes([]), { total: 'soon' })).toThrow(
      /recovery target "total" must be a duration/,
    );
  });
});

describe('buildIncidentReport', () => {
  const report = buildIncidentReport({
    rollback: incidentRollback(),
    events: incidentEvents(),
    targets,
    errorBudget: { objective: 0.999, periodRequests: 1_000_000 },
  });

  it('summary and impact', () => {
    expect(report.summary).toMatchObject({
      rollbackId: 'rb_0q3xk2abcde',
      service: 'api',
      environment: 'production',
      status: 'succeeded',
      fromVersion: 'v1.4.0',
      toVersion: 'v1.3.2',
      headline: 'api rolled back in production: v1.4.0 → v1.3.2',
    });
    expect(report.impact).toEqual({
      measuredBy: 'local',
      notMeasured: null,
      failedRequests: 412,
      totalRequests: 20_600,
      errorRate: 0.02,
      durationMs: 36_535,
      rollbackDurationMs: 35_560,
      errorBudget: { allowedFailures: 1000, burnedPercent: 41.2 },
      // recorded before users were counted: nothing about them, never a guess
      users: null,
      features: [],
      failedAttempts: null,
      window: null,
      cost: null,
    });
  });

  it('timeline with ms times, evidence of the episode (not the ignored one), decisions', () => {
    expect(report.timeline).toHaveLength(23);
    expect(report.timeline[4]).toMatchObject({
      type: 'trigger.fired',
      time: '2026-11-21T14:00:42.350Z',
      offsetMs: 42_350,
    });
    expect(report.evidence.map((e) => [e.trigger, e.value, e.threshold, e.op, e.windowMs])).toEqual([
      ['error-rate', 0.14, 0.1, 'above', 60_000],
      ['latency-p95', 1840, 800, 'above', 60_000],
    ]);
    expect(report.decisions.map((d) => [d.action, d.by])).toEqual([
      ['ignore', 'rewind'],
      ['ask', 'rewind'],
      ['approved', 'alice'],
    ]);
  });

  it('steps with duration, outcome and journal attempts', () => {
    expect(report.steps.map((s) => [s.name, s.status, s.durationMs, s.attempts])).toEqual([
      ['start', 'done', 1500, 1],
      ['await-healthy', 'done', 3000, 1],
      ['shift-traffic', 'done', 500, 2],
      ['retire', 'done', 500, 1],
      ['watch', 'done', 30_000, 1],
    ]);
    expect(report.steps[2]?.journal.map((a) => [a.attempt, a.status, a.durationMs])).toEqual([
      [1, 'interrupted', 70],
      [2, 'done', 500],
    ]);
  });

  it('recovery times against targets, placeholders and suggested action items', () => {
    expect(report.recovery.checks).toEqual([
      { target: 'detectionToDecision', measuredMs: 19_130, targetMs: 30_000, result: 'pass' },
      { target: 'decisionToExecution', measuredMs: 5_055, targetMs: 5_000, result: 'miss' },
      { target: 'executionToStable', measuredMs: 30_525, targetMs: 60_000, result: 'pass' },
      { target: 'total', measuredMs: 54_710, targetMs: 120_000, result: 'pass' },
    ]);
    expect(report.recovery.allTargetsMet).toBe(false);
    expect(report.rootCause).toBeNull();
    expect(report.actionItems.map((item) => item.text)).toEqual([
      'Recovery target "decisionToExecution" missed: find what made it slow and fix it.',
    ]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('falls back to the step events when the detail has no steps', () => {
    const bare = buildIncidentReport({
      rollback: { ...incidentRollback(), steps: [], journal: [] },
      events: incidentEvents(),
    });
    expect(bare.steps.map((s) => [s.name, s.status, s.durationMs])).toEqual([
      ['start', 'done', 1500],
      ['await-healthy', 'done', 3000],
      ['shift-traffic', 'done', 500],
      ['retire', 'done', 500],
      ['watch', 'done', 30_000],
    ]);
    expect(bare.recovery.checks).toEqual([]);
    expect(bare.impact.errorBudget).toBeNull();
  });
});

describe('renderIncidentMarkdown and writeIncidentReport', () => {
  it('renders every section with millisecond times and writes <stateDir>/incidents/<date>-<service>-<id>.md', async () => {
    const report = buildIncidentReport({ rollback: incidentRollback(), events: incidentEvents(), targets });
    const markdown = renderIncidentMarkdown(report);
    for (const heading of [
      '# Incident: api rolled back in production: v1.4.0 → v1.3.2',
      '## Summary',
      '## Impact',
      '## Recovery times',
      '## Evidence',
      '## Timeline',
      '## Steps',
      '## Root cause',
      '## Action items',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain('| 2026-11-21 14:00:42.350 | +42350 | trigger.fired | rewind |');
    expect(markdown).toContain('| 2026-11-21 14:01:37.060 | +97060 | rollback.completed | rewind |');
    expect(markdown).toMatch(/\| Decision → execution \(traffic restored\) \| 5\.05s \(5055 ms\) \| 5\.00s \| MISS \|/);
    expect(markdown).toContain('| 3 | shift-traffic | shift 100% to revision 6 | done | 2 | 500ms | — |');
    expect(markdown).toContain('_To be written');

    const stateDir = await mkdtemp(join(tmpdir(), 'rewind-report-'));
    try {
      const path = await writeIncidentReport(stateDir, report);
      expect(path).toBe(join(stateDir, 'incidents', '2026-11-21-api-rb_0q3xk2abcde.md'));
      expect(await readFile(path, 'utf8')).toBe(markdown);
      expect(await readdir(join(stateDir, 'incidents'))).toEqual(['2026-11-21-api-rb_0q3xk2abcde.md']);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
