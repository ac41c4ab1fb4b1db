import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoadGenerator } from '../../src/runtime/demo/load-generator.js';
import { lastBadAnswerAt } from '../../src/runtime/demo/load-report.js';
import { createTrafficSwitch } from '../../src/proxy/index.js';
import type { TrafficSwitch } from '../../src/proxy/types.js';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/demo/app/server.js');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real sample service on a kernel-chosen port. */
async function startApp(release: string, env: Record<string, string> = {}): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [APP, '--release', release], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => child.kill('SIGKILL'));
  return new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`sample app exited with ${code}`)));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('load generator', () => {
  it('paces requests evenly at the target rate over keep-alive connections', async () => {
    // A real server in front of nothing but itself, to count TCP connections.
    let connections = 0;
    const server = http.createServer((_req, res) => res.end(JSON.stringify({ release: 'counter' })));
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;

    const load = createLoadGenerator({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 150 });
    load.start();
    await sleep(3000);
    const report = await load.stop();
    // 150/s for as long as it ran (3 s, or a little more when the stop came late on a busy machine),
    // give or take the last tick.
    const ran = (report.stoppedAt - (report.startedAt as number)) / 1000;
    expect(ran).toBeGreaterThanOrEqual(3);
    expect(report.total).toBeGreaterThanOrEqual(Math.floor(150 * ran) - 10);
    expect(report.total).toBeLessThanOrEqual(Math.ceil(150 * ran) + 5);
    expect(report.failed).toBe(0);
    expect(report.skipped).toBe(0);
    // Each whole second near its 150: a late tick on a busy machine sends its backlog at once, which can
    // carry a few requests into the next second (10 % allowed), while the total above stays exact.
    for (const second of report.perSecond.slice(0, 3)) expect(Math.abs(second.requests - 150)).toBeLessThanOrEqual(15);
    // Evenly paced: no 100 ms slice of the run holds much more than its 15 requests.
    const slices = new Map<number, number>();
    for (const sample of load.samples()) {
      const slice = Math.floor((sample.startedAt - report.startedAt!) / 100);
      slices.set(slice, (slices.get(slice) ?? 0) + 1);
    }
    expect(Math.max(...slices.values())).toBeLessThanOrEqual(30);
    // Keep-alive: sockets are reused, not one per request (a busy machine opens a few more).
    expect(connections).toBeLessThan(report.total / 5);
  });

  it('counts failed answers and records which release answered (sample app, error-rate fault)', async () => {
    const port = await startApp('v2', { FAULT: 'error-rate', FAULT_AFTER_MS: '0' });
    const load = createLoadGenerator({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 200 });
    load.start();
    await sleep(1500);
    const report = await load.stop();
    expect(report.total).toBeGreaterThan(250);
    expect(report.failed / report.total).toBeGreaterThan(0.35);
    expect(report.failed / report.total).toBeLessThan(0.65);
    expect(Object.keys(report.releases)).toEqual(['v2']);
    expect(report.releases.v2!.requests).toBe(report.total);
    expect(report.releases.v2!.failed).toBe(report.failed);
  });

  it('gives first and last answer times per release across a switch flip', async () => {
    const [v1, v2] = await Promise.all([startApp('v1'), startApp('v2')]);
    const trafficSwitch: TrafficSwitch = createTrafficSwitch({});
    cleanups.push(() => trafficSwitch.close());
    const front = await trafficSwitch.listen();
    trafficSwitch.setUpstreams(1, [{ host: '127.0.0.1', port: v1 }]);
    trafficSwitch.setUpstreams(2, [{ host: '127.0.0.1', port: v2 }]);
    trafficSwitch.setWeights({ 1: 100 });

    const load = createLoadGenerator({ url: `http://127.0.0.1:${front.port}/`, ratePerSecond: 150 });
    load.start();
    await sleep(1000);
    const flippedAt = Date.now();
    trafficSwitch.setWeights({ 2: 100 });
    await sleep(1000);
    const report = await load.stop();

    expect(report.failed).toBe(0);
    const { v1: old, v2: fresh } = report.releases;
    // v1 answered only requests sent before the flip (on a busy machine their answers may come later)
    const fromV1 = load.samples().filter((sample) => sample.release === 'v1');
    expect(fromV1.length).toBeGreaterThan(0);
    expect(Math.max(...fromV1.map((sample) => sample.startedAt))).toBeLessThanOrEqual(flippedAt);
    expect(old!.lastAt).toBeGreaterThanOrEqual(Math.max(...fromV1.map((sample) => sample.endedAt)));
    expect(fresh!.firstAt).toBeGreaterThanOrEqual(flippedAt);
    expect(old!.requests + fresh!.requests).toBe(report.total);
    // From the flip on, nothing but v2 answered after its first answer.
    expect(lastBadAnswerAt(load.samples(), fresh!.firstAt, (sample) => sample.release === 'v2')).toBeNull();
  });

  it('records refused connections as failures and skips what the concurrency bound refuses', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port: deadPort } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = createLoadGenerator({ url: `http://127.0.0.1:${deadPort}/`, ratePerSecond: 100 });
    refused.start();
    await sleep(500);
    const refusedReport = await refused.stop();
    expect(refusedReport.total).toBeGreaterThan(40);
    expect(refusedReport.failed).toBe(refusedReport.total);
    expect(refused.samples()[0]!.error).toMatch(/ECONNREFUSED/);

    // 1.5 s answers at 100/s with room for only 10 in flight: the rest are skipped, not queued.
    const slowPort = await startApp('slow', { FAULT: 'latency', FAULT_AFTER_MS: '0', FAULT_LATENCY_MS: '1500' });
    const slow = createLoadGenerator({ url: `http://127.0.0.1:${slowPort}/`, ratePerSecond: 100, maxInFlight: 10 });
    slow.start();
    await sleep(1000);
    expect(slow.inFlight()).toBe(10);
    const slowReport = await slow.stop();
    expect(slowReport.total).toBe(10);
    expect(slowReport.skipped).toBeGreaterThan(80);
    expect(slowReport.latencyMs.p50).toBeGreaterThanOrEqual(1400);
  });

  it('rejects a bad rate or URL with a clear error', () => {
    expect(() => createLoadGenerator({ url: 'https://example.test/', ratePerSecond: 10 })).toThrow(/only http/);
    expect(() => createLoadGenerator({ url: 'http://127.0.0.1:1/', ratePerSecond: 0 })).toThrow(/ratePerSecond/);
  });
});
