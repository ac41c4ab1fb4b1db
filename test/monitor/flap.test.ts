/**
 * Flap control as the runbook means it: the cooldown stops Rewind from rolling
 * back what it just restored, never the rollback of a newly deployed bad release;
 * `maximumRetries` counts automatic rollbacks to the same target within the
 * cooldown; `automatic: false` always asks. An escalated release keeps being
 * watched and shows in `status` with the command to run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import type { MetricsServer } from './harness.js';
import {
  actor,
  commandService,
  eventsOf,
  httpProvider,
  startMetricsServer,
  startTestController,
  tempDir,
  waitFor,
  writeConfig,
} from './harness.js';

let metrics: MetricsServer;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  metrics = await startMetricsServer();
  temp = tempDir('flap');
  const file = writeConfig(temp.dir, {
    environments: {
      production: {},
      staging: { policy: { automatic: false, approvalTimeout: '1s', onTimeout: 'rollback' } },
    },
    services: {
      api: commandService(temp.dir, {
        triggers: [{ name: 'errors', metric: 'errorRate', above: 0.1, severity: 'high' }],
      }),
    },
    providers: [httpProvider(metrics.url, ['errorRate'])],
    policy: { cooldownPeriod: '10m', maximumRetries: 2 },
  });
  controller = await startTestController(file);
  for (const environment of ['production', 'staging']) {
    const first = await controller.api.deploy({
      service: 'api',
      environment,
      version: 'v1',
      watch: true,
      actor: actor('ci'),
    });
    expect(first.outcome).toBe('promoted');
  }
});

afterAll(async () => {
  await controller?.close();
  await metrics?.close();
  temp?.remove();
});

async function deployBad(revision: number, environment = 'production') {
  metrics.values.set(`errorRate/${revision}`, 0.4);
  const result = await controller.api.deploy({
    service: 'api',
    environment,
    version: `v${revision}`,
    watch: true,
    waitStable: true,
    actor: actor('ci'),
  });
  const decision = (await eventsOf(controller, 'decision.made', 'api')).find(
    (e) => e.revision === revision && e.environment === environment,
  );
  return { result, decision: decision?.data ?? {} };
}

const automatic = async () =>
  (await controller.api.rollbacks({ service: 'api', environment: 'production' })).filter((r) => r.kind === 'automatic');

describe('flap control', () => {
  it('rolls back a second bad release within the cooldown; escalates past maximumRetries, still watched', async () => {
    const first = await deployBad(2);
    expect(first.result.outcome).toBe('rolled-back');
    expect(first.decision).toMatchObject({ action: 'rollback', rule: 'error-rate', adjustedBy: null });

    // a newly deployed bad release, 10 minutes of cooldown still to run: rolled back all the same
    const second = await deployBad(3);
    expect(second.result.outcome).toBe('rolled-back');
    expect(second.decision).toMatchObject({ action: 'rollback', adjustedBy: null });
    expect(await automatic()).toHaveLength(2);
    expect((await controller.api.status('api', 'production')).live?.revision).toBe(1);
    // the command driver counts no requests: the report says so instead of showing a number
    const report = await controller.api.report(first.result.rollbackId as string);
    expect(report.impact).toMatchObject({ measuredBy: null, failedRequests: null, durationMs: null });
    expect(report.impact.notMeasured).toContain('counts requests');

    // a third rollback to r1 within the cooldown would exceed maximumRetries (2): a human is paged
    const third = await deployBad(4);
    expect(third.result.outcome).toBe('waiting');
    expect(third.decision).toMatchObject({ action: 'escalate', adjustedBy: 'retries' });
    expect(String(third.decision.reason)).toContain('maximum 2');
    expect(await automatic()).toHaveLength(2);
    const status = await controller.api.status('api', 'production');
    expect(status.live).toMatchObject({ revision: 4, status: 'analyzing' });
    expect(status.needsAttention).toEqual([
      expect.objectContaining({ kind: 'escalated', suggested: 'rewind undo api --env production' }),
    ]);
    // still evaluated after the deploy answered: per-second samples keep coming
    const answeredAt = Date.now();
    const later = await waitFor('samples of r4 after the deploy answered', async () => {
      const samples = await controller.ctx.store.readSamples({
        service: 'api',
        environment: 'production',
        revision: 4,
        from: answeredAt,
        to: Date.now() + 1000,
      });
      return samples.length >= 2 && samples;
    });
    expect(later.every((s) => s.metric === 'errorRate' && s.value > 0.1)).toBe(true);

    // the suggested command settles it
    const undo = await controller.api.undo({ service: 'api', toRevision: 1, wait: true, actor: actor('oncall') });
    expect(undo.rollback?.status).toBe('succeeded');
    expect((await controller.api.status('api', 'production')).needsAttention).toEqual([]);
  });

  it('automatic: false asks, within the cooldown too', async () => {
    // the first ask times out into a rollback (kind automatic): the cooldown starts
    const first = await deployBad(2, 'staging');
    expect(first.decision).toMatchObject({ action: 'ask', adjustedBy: 'automatic-off' });
    expect(first.result.outcome).toBe('rolled-back');
    const [timedOut] = await controller.api.rollbacks({ service: 'api', environment: 'staging' });
    expect(timedOut).toMatchObject({ kind: 'automatic', fromRevision: 2, toRevision: 1, status: 'succeeded' });

    // within the cooldown: asks again, never escalates
    metrics.values.set('errorRate/3', 0.4);
    const deploying = controller.api.deploy({
      service: 'api',
      environment: 'staging',
      version: 'v3',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    const asked = await waitFor('the approval for r3', async () =>
      (await eventsOf(controller, 'decision.made', 'api')).find((e) => e.revision === 3 && e.environment === 'staging'),
    );
    expect(asked.data).toMatchObject({ action: 'ask', adjustedBy: 'automatic-off' });
    const status = await controller.api.status('api', 'staging');
    expect(status.needsAttention).toEqual([
      expect.objectContaining({ kind: 'approval', suggested: `rewind approve ${String(asked.data.approvalId)}` }),
    ]);
    expect((await deploying).outcome).toBe('rolled-back');
  });
});
