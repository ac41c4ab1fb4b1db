/**
 * Each matrix action end to end: a real controller, the command
 * driver and an HTTP JSON provider whose values the test changes.
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
  temp = tempDir('actions');
  const file = writeConfig(temp.dir, {
    environments: { production: {} },
    services: {
      api: commandService(temp.dir, {
        triggers: [
          { name: 'errors', metric: 'errorRate', above: 0.1, severity: 'high' },
          { name: 't-alert', metric: 'mAlert', above: 1, severity: 'low' },
          { name: 't-escalate', metric: 'mEscalate', above: 1, severity: 'medium' },
          { name: 't-ignore', metric: 'mIgnore', above: 1, severity: 'medium' },
        ],
        smoke: [{ name: 'home', path: '/smoke', expect: { status: 200, bodyContains: 'good' } }],
        smokeBaseUrl: metrics.url,
      }),
      web: commandService(
        temp.dir,
        {
          rollbackWindow: '30s',
          triggers: [{ name: 'web-errors', metric: 'webErrors', above: 0.1, severity: 'high' }],
        },
        'web.json',
      ),
      api2: commandService(
        temp.dir,
        { triggers: [{ name: 'prom-errors', metric: 'promErrors', source: 'prom', above: 0.1, severity: 'critical' }] },
        'api2.json',
      ),
    },
    providers: [
      httpProvider(metrics.url, ['errorRate', 'mAlert', 'mEscalate', 'mIgnore', 'webErrors']),
      // nothing listens on port 1: every query fails
      {
        name: 'prom',
        type: 'prometheus',
        url: 'http://127.0.0.1:1',
        timeout: '500ms',
        queries: { promErrors: 'sum(rate(errors_total{service="{service}"}[1m]))' },
      },
    ],
    policy: {
      cooldownPeriod: '0s',
      maximumRetries: 100,
      inconclusiveLimit: 3,
      matrix: [
        { name: 'alert-rule', match: { trigger: ['t-alert'] }, action: 'alert', notify: ['team'] },
        { name: 'escalate-rule', match: { trigger: ['t-escalate'] }, action: 'escalate' },
        { name: 'ignore-rule', match: { trigger: ['t-ignore'] }, action: 'ignore' },
        { name: 'critical', match: { severity: ['critical'] }, action: 'rollback' },
        { name: 'errors', match: { severity: ['high'] }, action: 'rollback' },
      ],
    },
  });
  controller = await startTestController(file);
  const first = await controller.api.deploy({
    service: 'api',
    version: 'v1',
    watch: true,
    waitStable: true,
    actor: actor('ci'),
  });
  expect(first.outcome).toBe('promoted');
});

afterAll(async () => {
  await controller?.close();
  await metrics?.close();
  temp?.remove();
});

const decisions = async (revision: number) =>
  (await eventsOf(controller, 'decision.made', 'api')).filter((e) => e.revision === revision);

describe('matrix actions end to end', () => {
  it('rollback: a high error rate rolls the release back automatically, with evidence', async () => {
    metrics.values.set('errorRate/2', 0.5);
    const result = await controller.api.deploy({
      service: 'api',
      version: 'v2',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    metrics.values.delete('errorRate/2');
    expect(result.outcome).toBe('rolled-back');
    expect(result.rollbackId).toBeTruthy();
    const rollback = await controller.api.rollback(result.rollbackId as string);
    expect(rollback).toMatchObject({
      kind: 'automatic',
      status: 'succeeded',
      requestedBy: 'rewind',
      fromRevision: 2,
      toRevision: 1,
    });
    expect(rollback.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['shift-traffic', 'smoke', 'watch']));
    const fired = (await eventsOf(controller, 'trigger.fired', 'api')).find((e) => e.revision === 2);
    expect(fired?.data).toMatchObject({
      trigger: 'errors',
      metric: 'errorRate',
      value: 0.5,
      threshold: 0.1,
      op: '>',
      severity: 'high',
      revision: 2,
    });
    expect(fired?.data.windowMs).toBeGreaterThan(0);
    expect(fired?.data.samples).toBe(1);
    const [decision] = await decisions(2);
    expect(decision?.data).toMatchObject({ action: 'rollback', rule: 'errors' });
    expect(String(decision?.data.reason)).toContain('errorRate 0.5 > 0.1');
    expect((await controller.api.status('api')).live?.revision).toBe(1);
    expect((await controller.api.history('api')).find((r) => r.revision === 2)?.status).toBe('rolled-back');
  });

  it('alert: the release is promoted and the alert recorded', async () => {
    metrics.values.set('mAlert/3', 5);
    const result = await controller.api.deploy({
      service: 'api',
      version: 'v3',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    metrics.values.delete('mAlert/3');
    expect(result.outcome).toBe('promoted');
    const [decision] = await decisions(3);
    expect(decision?.data).toMatchObject({ action: 'alert', rule: 'alert-rule', notify: ['team'] });
  });

  it('ignore: recorded, promoted, no rollback', async () => {
    const before = (await controller.api.rollbacks({ service: 'api' })).length;
    metrics.values.set('mIgnore/4', 5);
    const result = await controller.api.deploy({
      service: 'api',
      version: 'v4',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    metrics.values.delete('mIgnore/4');
    expect(result.outcome).toBe('promoted');
    expect((await decisions(4))[0]?.data).toMatchObject({ action: 'ignore', rule: 'ignore-rule' });
    expect((await controller.api.rollbacks({ service: 'api' })).length).toBe(before);
  });

  it('escalate: the deploy waits for a human, nothing is rolled back', async () => {
    const before = (await controller.api.rollbacks({ service: 'api' })).length;
    metrics.values.set('mEscalate/5', 5);
    const result = await controller.api.deploy({
      service: 'api',
      version: 'v5',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    metrics.values.delete('mEscalate/5');
    expect(result.outcome).toBe('waiting');
    expect((await decisions(5))[0]?.data).toMatchObject({ action: 'escalate', rule: 'escalate-rule' });
    expect((await eventsOf(controller, 'policy.escalated', 'api')).some((e) => e.revision === 5)).toBe(true);
    expect((await controller.api.rollbacks({ service: 'api' })).length).toBe(before);
    // a human takes it from here
    const undo = await controller.api.undo({ service: 'api', toRevision: 4, wait: true, actor: actor('oncall') });
    expect(undo.rollback?.status).toBe('succeeded');
  });

  it('a failed smoke test is a critical trigger and rolls back', async () => {
    metrics.smoke.failNext = 1; // the release's smoke test fails; the one after the rollback passes
    const result = await controller.api.deploy({
      service: 'api',
      version: 'v6',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    expect(result.outcome).toBe('rolled-back');
    const fired = (await eventsOf(controller, 'trigger.fired', 'api')).find((e) => e.revision === 6);
    expect(fired?.data).toMatchObject({ metric: 'smoke', severity: 'critical', revision: 6 });
    expect((await decisions(6))[0]?.data).toMatchObject({ action: 'rollback', rule: 'critical' });
    const rollback = await controller.api.rollback(result.rollbackId as string);
    expect(rollback.status).toBe('succeeded');
    expect(rollback.steps.find((s) => s.name === 'smoke')?.status).toBe('done');
  });

  it('an unreachable Prometheus is inconclusive: never a rollback, an approval after inconclusiveLimit', async () => {
    const result = await controller.api.deploy({
      service: 'api2',
      version: 'v1',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    expect(result.outcome).toBe('waiting');
    expect(await eventsOf(controller, 'trigger.fired', 'api2')).toHaveLength(0);
    const [decision] = await eventsOf(controller, 'decision.made', 'api2');
    expect(decision?.data).toMatchObject({ action: 'ask', rule: 'inconclusive' });
    expect(String(decision?.data.reason)).toContain('inconclusive');
    expect(decision?.data.approveCommand).toBe(`rewind approve ${String(decision?.data.approvalId)}`);
    expect(await controller.api.rollbacks({ service: 'api2' })).toHaveLength(0);
    const status = await controller.api.status('api2');
    expect(status.pendingApprovals.map((a) => a.id)).toEqual([decision?.data.approvalId]);
  });

  it('watches the live release during rollbackWindow, then the restored one with tightened thresholds', async () => {
    for (const version of ['v1', 'v2']) {
      expect(
        (await controller.api.deploy({ service: 'web', version, watch: true, waitStable: true, actor: actor('ci') }))
          .outcome,
      ).toBe('promoted');
    }
    // r1 at 7 % errors: fine under 0.1, too much under the post-rollback threshold 0.1 × 0.5
    metrics.values.set('webErrors/1', 0.07);
    metrics.values.set('webErrors/2', 0.5);
    const rollback = await waitFor('the rollback of the live release', async () => {
      const [latest] = await controller.api.rollbacks({ service: 'web' });
      return latest && (latest.status === 'escalated' || latest.status === 'succeeded') && latest;
    });
    expect(rollback).toMatchObject({ kind: 'automatic', fromRevision: 2, toRevision: 1, status: 'escalated' });
    expect(rollback.error).toContain('the restored release misbehaves');
    const restored = (await eventsOf(controller, 'trigger.fired', 'web')).find((e) => e.revision === 1);
    expect(restored?.data).toMatchObject({ trigger: 'web-errors', threshold: 0.05, value: 0.07 });
    expect((await controller.api.status('web')).live?.revision).toBe(1);
  });
});
