/**
 * The watch loop's timing on the controller's /metrics: a real controller, the
 * command driver and an HTTP JSON provider. Every evaluation reads the provider
 * once, so the evaluations counted must match the requests the provider served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import { createEvaluationGrid } from '../../src/app/monitor/evaluation-meter.js';
import type { MetricsServer } from './harness.js';
import {
  actor,
  commandService,
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
  temp = tempDir('evaluation-metrics');
  const file = writeConfig(temp.dir, {
    environments: { production: {} },
    services: {
      api: commandService(temp.dir, {
        analysis: { duration: '2s' },
        rollbackWindow: '1s',
        triggers: [{ name: 'errors', metric: 'errorRate', above: 0.5, severity: 'high' }],
      }),
    },
    providers: [httpProvider(metrics.url, ['errorRate'])],
  });
  controller = await startTestController(file);
});

afterAll(async () => {
  await controller?.close();
  await metrics?.close();
  temp?.remove();
});

async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`${controller.url}/metrics`);
  expect(response.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

describe('evaluation lag on /metrics', () => {
  it('counts each evaluation of a watched release and how late it completed', async () => {
    const before = await scrape();
    expect(before.get('rewind_evaluations_total')).toBe(0);
    expect(before.get('rewind_watched_releases')).toBe(0);

    const started = await controller.api.deploy({ service: 'api', version: 'v1', actor: actor('ci') });
    expect(started.outcome).toBe('analyzing');
    const watching = await scrape();
    expect(watching.get('rewind_watched_releases')).toBe(1);

    // analysis (2 s), promotion, then the rollback window's live watch (1 s) ends
    await waitFor('the watches to end', async () => {
      const release = await controller.ctx.store.getRelease('api', 'production', 1);
      if (release?.status !== 'live') return false;
      return (await scrape()).get('rewind_watched_releases') === 0;
    });
    const after = await scrape();
    const reads = metrics.requests.filter((path) => path === '/m/errorRate/1').length;
    const counted = after.get('rewind_evaluations_total') ?? 0;
    // 3 s of watching at 250 ms: about 12 evaluations, each one provider read
    expect(counted).toBeGreaterThanOrEqual(8);
    expect(counted).toBe(reads);
    expect(after.get('rewind_evaluation_lag_seconds_count')).toBe(counted);
    expect(after.get('rewind_evaluation_lag_seconds_bucket{le="+Inf"}')).toBe(counted);
    const fine = after.get('rewind_evaluation_lag_seconds_bucket{le="0.001"}') ?? -1;
    const coarse = after.get('rewind_evaluation_lag_seconds_bucket{le="2"}') ?? -1;
    expect(fine).toBeGreaterThanOrEqual(0);
    expect(coarse).toBeGreaterThanOrEqual(fine);
    expect(after.get('rewind_evaluation_lag_seconds_sum')).toBeGreaterThanOrEqual(0);
  });
});

describe('the evaluation grid', () => {
  it('measures lateness against start + n × interval, not against the last run', () => {
    const grid = createEvaluationGrid(1000, 250);
    expect(grid.isDue(1000)).toBe(true);
    expect(grid.completed(1004)).toEqual({ lagMs: 4, skipped: 0 });
    expect(grid.due()).toBe(1250);
    expect(grid.isDue(1240)).toBe(false);
    // late by 30 ms: the next one is still due at 1500, not 1530
    expect(grid.completed(1280)).toEqual({ lagMs: 30, skipped: 0 });
    expect(grid.due()).toBe(1500);
  });

  it('skips the slots an overrun already passed instead of running back to back', () => {
    const grid = createEvaluationGrid(0, 100);
    expect(grid.completed(350)).toEqual({ lagMs: 350, skipped: 2 });
    expect(grid.due()).toBe(300);
    expect(grid.completed(360)).toEqual({ lagMs: 60, skipped: 0 });
    expect(grid.due()).toBe(400);
  });
});
