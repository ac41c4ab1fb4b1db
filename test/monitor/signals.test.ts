/**
 * Derived signals and the canary judge in the watch: a canary
 * whose latency doubles (40 → 80 ms) under a threshold that never fires is
 * caught by the judge and rolled back; an identical canary is promoted; a
 * throughput drop (throughputRatio) rolls back.
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
  writeConfig,
} from './harness.js';

let metrics: MetricsServer;
let controller: Controller;
let temp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  metrics = await startMetricsServer();
  temp = tempDir('signals');
  const file = writeConfig(temp.dir, {
    environments: { production: {} },
    services: {
      web: commandService(temp.dir, {
        strategy: 'canary',
        canary: { steps: [20, 100], pause: '12s' },
        analysis: { duration: '1s' },
        // an absolute threshold far above both releases: only the judge can catch the canary
        triggers: [{ name: 'very-slow', metric: 'latencyP95Ms', above: 5000, severity: 'medium' }],
      }),
      api: commandService(
        temp.dir,
        { triggers: [{ name: 'throughput-drop', metric: 'throughputRatio', below: 0.5, severity: 'high' }] },
        'api.json',
      ),
    },
    providers: [httpProvider(metrics.url, ['latencyP95Ms', 'errorRate', 'requestRate'])],
  });
  controller = await startTestController(file);
  metrics.values.set('latencyP95Ms', 40);
  metrics.jitter.set('latencyP95Ms', 0.3);
  metrics.values.set('requestRate', 100);
  metrics.jitter.set('requestRate', 0.1);
  expect(
    (
      await controller.api.deploy({
        service: 'web',
        version: 'v1',
        strategy: 'bluegreen',
        watch: true,
        waitStable: true,
        actor: actor('ci'),
      })
    ).outcome,
  ).toBe('promoted');
  expect(
    (await controller.api.deploy({ service: 'api', version: 'v1', watch: true, waitStable: true, actor: actor('ci') }))
      .outcome,
  ).toBe('promoted');
});

afterAll(async () => {
  await controller?.close();
  await metrics?.close();
  temp?.remove();
});

describe('canary judge in the watch', () => {
  it('does not fire on an identical canary', async () => {
    const result = await controller.api.deploy({
      service: 'web',
      version: 'v2',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    expect(result.outcome).toBe('promoted');
    expect((await eventsOf(controller, 'trigger.fired', 'web')).filter((e) => e.revision === 2)).toHaveLength(0);
    // both releases' per-second samples were recorded over the same seconds
    const samples = await controller.ctx.store.readSamples({
      service: 'web',
      environment: 'production',
      from: 0,
      to: Date.now() + 1,
    });
    const seconds = (revision: number) =>
      new Set(samples.filter((s) => s.revision === revision && s.metric === 'latencyP95Ms').map((s) => s.at));
    expect([...seconds(2)].filter((s) => seconds(1).has(s)).length).toBeGreaterThanOrEqual(8);
  });

  it('catches a canary whose p95 doubles though no threshold fires, and rolls it back', async () => {
    metrics.values.set('latencyP95Ms/3', 80);
    metrics.jitter.set('latencyP95Ms/3', 0.3);
    const started = Date.now();
    const result = await controller.api.deploy({
      service: 'web',
      version: 'v3',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    expect(result.outcome).toBe('rolled-back');
    expect(Date.now() - started).toBeLessThan(30_000);
    const fired = (await eventsOf(controller, 'trigger.fired', 'web')).find((e) => e.revision === 3);
    expect(fired?.data).toMatchObject({ trigger: 'canary-judge', metric: 'canaryScore', severity: 'high', op: '<' });
    expect(Number(fired?.data.value)).toBeLessThan(75);
    expect((await controller.api.status('web')).live?.revision).toBe(2);
  });
});

describe('throughputRatio', () => {
  it('a release serving under half the previous release’s requests is rolled back', async () => {
    metrics.values.set('requestRate/2', 20);
    const result = await controller.api.deploy({
      service: 'api',
      version: 'v2',
      watch: true,
      waitStable: true,
      actor: actor('ci'),
    });
    const story = async () =>
      JSON.stringify(
        (await controller.api.events({ service: 'api' })).slice(-12).map((e) => `${e.type}: ${e.message}`),
        null,
        1,
      );
    expect(result.outcome, await story()).toBe('rolled-back');
    const fired = (await eventsOf(controller, 'trigger.fired', 'api')).find((e) => e.revision === 2);
    expect(fired?.data).toMatchObject({ metric: 'throughputRatio', op: '<', threshold: 0.5 });
    expect(Number(fired?.data.value)).toBeGreaterThan(0.1);
    expect(Number(fired?.data.value)).toBeLessThan(0.3);
  });
});
