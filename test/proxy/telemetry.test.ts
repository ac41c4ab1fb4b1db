/**
 * Per-release telemetry: one-second buckets over a ring with
 * retention, the window rule, the consecutive-5xx definition, and percentiles
 * within the histogram's stated ±4.4 % precision — first fed directly, then
 * measured through the switch against known upstream latencies.
 */
import { Agent } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { UserError } from '../../src/core/errors.js';
import { createTrafficSwitch } from '../../src/proxy/index.js';
import { createTelemetryStore } from '../../src/proxy/telemetry.js';
import { bucketIndex } from '../../src/proxy/latency-histogram.js';
import { send, startUpstream } from './upstream-fixture.js';
import type { TestUpstream } from './upstream-fixture.js';

const PRECISION = 0.045;

describe('telemetry ring', () => {
  it('computes percentiles within the stated precision', () => {
    const store = createTelemetryStore(900);
    const ring = store.forRelease(1);
    // 1000 latencies 1..1000 ms spread over ten seconds.
    for (let ms = 1; ms <= 1000; ms += 1) ring.record(100_000 + (ms % 10) * 1000, bucketIndex(ms), false);
    const p95 = store.reader.read(1, 'latencyP95Ms', 110_000, 10_000);
    const p99 = store.reader.read(1, 'latencyP99Ms', 110_000, 10_000);
    expect(p95.samples).toBe(1000);
    expect(Math.abs(p95.value - 950) / 950).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(p99.value - 990) / 990).toBeLessThanOrEqual(PRECISION);
    expect(store.reader.read(1, 'requestRate', 110_000, 10_000).value).toBe(100);
    expect(store.reader.read(2, 'latencyP95Ms', 110_000, 10_000)).toEqual({ value: 0, samples: 0 });
  });

  it('windows whole seconds whose start lies in [at - window, at)', () => {
    const store = createTelemetryStore(900);
    const ring = store.forRelease(4);
    ring.record(10_100, bucketIndex(5), false);
    ring.record(10_900, bucketIndex(5), true);
    ring.record(11_500, bucketIndex(5), false);
    ring.record(12_000, bucketIndex(5), false);
    expect(store.reader.read(4, 'requests', 12_000, 2000).value).toBe(3);
    expect(store.reader.read(4, 'requests', 12_001, 2000).value).toBe(2); // second 10 starts before 10_001
    expect(store.reader.read(4, 'errorRate', 11_000, 1000)).toEqual({ value: 0.5, samples: 2 });
    expect(store.reader.read(4, 'errors5xx', 13_000, 3000)).toEqual({ value: 1, samples: 4 });
    expect(store.reader.seconds(4, 10_000, 13_000).map((row) => [row.at, row.requests, row.errors5xx])).toEqual([
      [10_000, 2, 1],
      [11_000, 1, 0],
      [12_000, 1, 0],
    ]);
    expect(() => store.reader.read(4, 'requests', 12_000, 0)).toThrow(UserError);
  });

  it('reports the longest 5xx run whose last response falls in the window', () => {
    const store = createTelemetryStore(900);
    const ring = store.forRelease(2);
    const at = (second: number, statuses: number[]): void => {
      for (const status of statuses) ring.record(second * 1000 + 100, bucketIndex(1), status >= 500);
    };
    at(10, [200, 500, 502, 503, 200]);
    at(11, [500, 500]);
    at(12, [504, 200]);
    const streak = (from: number, to: number): number =>
      store.reader.read(2, 'consecutive5xx', to * 1000, (to - from) * 1000).value;
    expect(streak(10, 11)).toBe(3);
    expect(streak(11, 12)).toBe(2);
    // The run that began in second 11 reaches 3 in second 12.
    expect(streak(12, 13)).toBe(3);
    expect(streak(10, 13)).toBe(3);
    expect(streak(13, 14)).toBe(0);
  });

  it('forgets seconds older than the retention', () => {
    const store = createTelemetryStore(5);
    const ring = store.forRelease(1);
    for (let second = 0; second < 12; second += 1) ring.record(second * 1000, bucketIndex(2), false);
    expect(store.reader.read(1, 'requests', 12_000, 60_000).value).toBe(5);
    expect(store.reader.seconds(1, 0, 12_000).map((row) => row.at)).toEqual([7000, 8000, 9000, 10_000, 11_000]);
  });
});

describe('telemetry through the switch', () => {
  let v1: TestUpstream;
  afterAll(async () => {
    await v1?.close();
  });

  it('buckets by the injected clock and measures known latencies', async () => {
    v1 = await startUpstream('v1');
    const clock = createManualClock(1_000_000);
    const proxy = createTrafficSwitch({ clock });
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 200 });
    // 100 concurrent requests the upstream holds 5, 10, …, 500 ms.
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => send(address, `/delay?ms=${(i + 1) * 5}`, { agent })),
    );
    agent.destroy();
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const p95 = proxy.telemetry.read(1, 'latencyP95Ms', 1_000_001, 1000);
    const p99 = proxy.telemetry.read(1, 'latencyP99Ms', 1_000_001, 1000);
    expect(p95.samples).toBe(100);
    // True values 475 ms and 495 ms plus the proxy's own overhead (a few ms).
    expect(p95.value).toBeGreaterThanOrEqual(475 * (1 - PRECISION));
    expect(p95.value).toBeLessThanOrEqual(475 * (1 + PRECISION) + 25);
    expect(p99.value).toBeGreaterThanOrEqual(495 * (1 - PRECISION));
    expect(p99.value).toBeLessThanOrEqual(495 * (1 + PRECISION) + 25);
    // Nothing recorded outside the manual clock's second.
    expect(proxy.telemetry.read(1, 'requests', 1_000_000, 60_000).value).toBe(0);
    expect(proxy.telemetry.seconds(1, 1_000_000, 1_001_000)).toEqual([
      { at: 1_000_000, requests: 100, errors5xx: 0, latencyP95Ms: p95.value },
    ]);
    await proxy.close();
  });

  it('frees the telemetry of retired releases: memory stays flat over 1,000 deploys', async () => {
    v1 ??= await startUpstream('v1');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = (): number => {
      gc();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const proxy = createTrafficSwitch({});
    const address = await proxy.listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const deploy = async (revision: number): Promise<void> => {
      proxy.setUpstreams(revision, [(v1 as TestUpstream).upstream]);
      proxy.setWeights({ [revision]: 100 });
      expect((await send(address, '/', { agent })).status).toBe(200);
      proxy.removeRelease(revision - 1);
    };
    for (let revision = 1; revision <= 50; revision += 1) await deploy(revision);
    const before = used();
    for (let revision = 51; revision <= 1050; revision += 1) await deploy(revision);
    const grown = used() - before;
    agent.destroy();
    await proxy.close();
    // Kept forever, each release's ring is ~0.6 MB: 1,000 deploys would add ~600 MB.
    expect(grown).toBeLessThan(20 * 1024 * 1024);
    expect(proxy.telemetry.read(1000, 'requests', Date.now() + 1, 60_000).samples).toBe(0);
    expect(proxy.telemetry.read(1050, 'requests', Date.now() + 1, 60_000).samples).toBe(1);
  });
});
