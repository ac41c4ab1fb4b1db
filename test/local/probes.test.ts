import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProbeSignalSource } from '../../src/monitor/probes/index.js';
import type { SignalReading } from '../../src/core/ports/signal-source.js';
import { createHarness, demoService, eventually, release, type Harness } from './harness.js';

let harness: Harness;
beforeEach(() => {
  harness = createHarness();
});
afterEach(async () => {
  await harness.cleanup();
});

const query = (metric: string) => ({
  service: 'web',
  environment: 'test',
  revision: 1,
  version: 'v1',
  metric,
  at: Date.now(),
  windowMs: 60_000,
});
const value = (reading: SignalReading): number => (reading.status === 'ok' ? reading.value : Number.NaN);

describe('local driver: health probes and signals', () => {
  it('keeps a never-ready release unready and reports its failing checks', async () => {
    const driver = harness.driver({ web: demoService({ env: { FAULT: 'never-ready' } }) });
    const signals = createProbeSignalSource({ lookup: driver.snapshot });
    await driver.start(release(1));
    await expect(driver.awaitReady(release(1), 1500)).rejects.toMatchObject({ code: 'LOCAL_NOT_READY' });
    expect(value(await signals.read(query('ready')))).toBe(0);
    await eventually('failing ready checks', async () =>
      value(await signals.read(query('healthCheckFailures'))) >= 3 ? true : undefined,
    );
    const [live] = (await driver.describe('web', 'test')).releases;
    expect(live).toMatchObject({ ready: 0, desired: 1, healthy: false });
  });

  it('counts consecutive failures of an instance that turns unhealthy up to the threshold', async () => {
    const driver = harness.driver({
      web: demoService({ instances: 2, env: { FAULT: 'unhealthy', FAULT_AFTER_MS: '2500' } }),
    });
    const signals = createProbeSignalSource({ lookup: driver.snapshot });
    await driver.start(release(1));
    await driver.awaitReady(release(1), 15_000);
    expect((await driver.describe('web', 'test')).releases[0]).toMatchObject({ ready: 2, healthy: true });
    await eventually('failureThreshold consecutive failures', async () => {
      const failures = value(await signals.read(query('healthCheckFailures')));
      return failures >= 3 ? failures : undefined;
    });
    expect((await driver.describe('web', 'test')).releases[0]).toMatchObject({ healthy: false });
    // Each instance drops out of the pool once it fails the threshold on its own.
    await eventually('both instances unready', async () =>
      (await driver.describe('web', 'test')).releases[0]?.ready === 0 ? true : undefined,
    );
    // Health failures are not crashes: nothing was restarted.
    expect(value(await signals.read(query('restarts')))).toBe(0);
  });

  it('reads CPU and memory of the release processes from /proc', async () => {
    const driver = harness.driver({ web: demoService({ instances: 2 }) });
    const signals = createProbeSignalSource({ lookup: driver.snapshot, cpuSampleMs: 200 });
    await driver.start(release(1));
    await driver.awaitReady(release(1), 15_000);
    const memory = await signals.read(query('memoryMB'));
    expect(memory).toMatchObject({ status: 'ok', samples: 2 });
    // Two Node processes hold well over 10 MB resident between them.
    expect(value(memory)).toBeGreaterThan(10);
    const cpu = await signals.read(query('cpuPercent'));
    expect(cpu.status).toBe('ok');
    expect(value(cpu)).toBeGreaterThanOrEqual(0);
    expect(await signals.read({ ...query('ready'), revision: 9 })).toEqual({ status: 'no-data', samples: 0 });
    expect((await signals.read(query('errorRate'))).status).toBe('inconclusive');
  });
});
