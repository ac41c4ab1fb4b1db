import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import type { DrillStatus } from '../../src/app/drill/drill-status.js';
import type { Project } from '../helpers/cli.js';
import { freePort, tempProject, waitFor } from '../helpers/cli.js';
import { SAMPLE_APP } from '../local-app/harness.js';
import { actor, startServe } from '../record/project.js';

/*
 * Drills on the local driver with the bundled sample app. This service has no
 * triggers, so the monitor never rolls back: these tests play the part of a
 * human detector with a manual undo while the drill waits, and check the
 * drill's own fallback when nothing rolls back. The automatic path (triggers,
 * the monitor's rollback) is drill-auto.test.ts.
 */
let project: Project;
let controller: Controller;
let front: number;

beforeAll(async () => {
  project = tempProject('rewind-drill-');
  front = await freePort();
  const config = project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state }
environments:
  production:
    targets: { decisionToExecution: 1ms }
services:
  web:
    driver:
      type: local
      command: ["node", "${SAMPLE_APP}", "--release", "{version}"]
      listen: 127.0.0.1:${front}
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 2, readyTimeout: 6s }
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`,
  );
  controller = await startServe(config);
  expect((await controller.api.deploy({ service: 'web', version: 'v1', actor })).outcome).toBe('promoted');
});
afterAll(async () => {
  await controller?.close();
  project?.cleanup();
});

async function hit(): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${front}/`);
  return { status: response.status, body: await response.text() };
}

async function finished(drillId: string): Promise<NonNullable<DrillStatus['result']>> {
  const status = await waitFor(
    'the drill to finish',
    async () => {
      const s = await controller.api.drillStatus(drillId);
      return s.status === 'finished' ? s : null;
    },
    45_000,
    200,
  );
  return status.result as NonNullable<DrillStatus['result']>;
}

describe('rewind drill on a local-driver service', () => {
  it('injects FAULT into a copy of the live release only; a rollback restores it and the drill measures and reports', async () => {
    const started = await controller.api.drill({
      environment: 'production',
      fault: 'error-rate',
      faultAfterMs: 0,
      timeoutMs: 60_000,
      actor,
    });
    expect(started.status).toBe('running');
    // the copy (same version v1) gets traffic and fails about half its requests
    const faulty = await waitFor(
      'the injected fault to reach users',
      async () => {
        const answer = await hit();
        return answer.status === 500 ? answer : null;
      },
      20_000,
      20,
    );
    expect(faulty.body).toContain('injected fault: error-rate');
    expect(JSON.parse(faulty.body)).toMatchObject({ release: 'v1' });

    // the detector's part (no triggers here): a human rolls back
    const undo = await controller.api.undo({ service: 'web', reason: 'drill: errors seen', actor, wait: true });
    expect(undo.rollback?.status).toBe('succeeded');
    expect(undo.from?.revision).toBe(2);
    expect(undo.to.revision).toBe(1);

    const result = await finished(started.drillId);
    expect(result).toMatchObject({
      outcome: 'rolled-back',
      fault: 'error-rate',
      revision: 2,
      rollbackId: undo.rollback?.id,
      rollbackKind: 'manual',
      detectedAfterMs: null,
    });
    expect(result.trafficRestoredAfterMs).toBeGreaterThanOrEqual(0);
    expect(result.totalMs).toBeGreaterThanOrEqual(result.trafficRestoredAfterMs ?? 0);
    expect(result.targetsMissed).toEqual(['decisionToExecution']);
    expect(result.reportPath).toMatch(/state\/drills\/\d{4}-\d{2}-\d{2}-production-web-dr_\w+\.md$/);
    const markdown = readFileSync(result.reportPath ?? '', 'utf8');
    expect(markdown).toContain('fault → traffic restored');
    expect(markdown).toContain('decisionToExecution');
    expect(existsSync((result.reportPath ?? '').replace(/\.md$/, '.json'))).toBe(true);

    // the live release never had the fault: after the rollback every request succeeds
    const answers = await Promise.all(Array.from({ length: 30 }, () => hit()));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    const events = await controller.api.events({ service: 'web', limit: 1000 });
    const finishedEvent = events.find((e) => e.type === 'drill.finished');
    expect(finishedEvent?.data).toMatchObject({
      drillId: started.drillId,
      fault: 'error-rate',
      outcome: 'rolled-back',
      targetsMissed: ['decisionToExecution'],
      detectedAfterMs: null,
    });
    expect(finishedEvent?.data.trafficRestoredAfterMs).toEqual(result.trafficRestoredAfterMs);
    expect(events.some((e) => e.type === 'drill.started' && e.data.drillId === started.drillId)).toBe(true);
  });

  it('when nothing rolls the copy back in time, the drill rolls back itself (kind drill) and says not-detected', async () => {
    const started = await controller.api.drill({
      environment: 'production',
      fault: 'unhealthy',
      faultAfterMs: 2_000,
      timeoutMs: 1_500,
      actor,
    });
    const result = await finished(started.drillId);
    expect(result).toMatchObject({
      outcome: 'not-detected',
      fault: 'unhealthy',
      rollbackKind: 'drill',
      detectedAfterMs: null,
    });
    const status = await controller.api.status('web', 'production');
    expect(status.live).toMatchObject({ revision: 1, version: 'v1' });
    expect((await hit()).status).toBe(200);
  });

  it('refuses a drill it cannot run, with a clear error', async () => {
    await expect(controller.api.drill({ environment: 'staging', actor })).rejects.toThrow(
      /unknown environment "staging"/,
    );
    await expect(controller.api.drill({ environment: 'production', service: 'db', actor })).rejects.toThrow(
      /not deployed to production/,
    );
  });
});
