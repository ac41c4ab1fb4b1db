/**
 * "No request dropped by the switch itself": a failed connect or a
 * stale keep-alive socket is retried once on the same release; only when that
 * fails does the client get a 502, and the 502 counts against the release.
 */
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTrafficSwitch } from '../../src/proxy/index.js';
import type { TrafficSwitch } from '../../src/proxy/index.js';
import { deadPort, send, startUpstream, text } from './upstream-fixture.js';
import type { TestUpstream } from './upstream-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track<T extends TestUpstream | TrafficSwitch>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

describe('upstream failures', () => {
  it('answers 502 when the release is down and counts it in errorRate', async () => {
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(3, [{ host: '127.0.0.1', port: await deadPort() }]);
    proxy.setWeights({ 3: 100 });
    const address = await proxy.listen();
    for (let i = 0; i < 4; i += 1) {
      const answer = await send(address, '/');
      expect(answer.status).toBe(502);
      expect(text(answer)).toMatch(/release 3 is unreachable \(ECONNREFUSED\)/);
    }
    const now = Date.now();
    expect(proxy.telemetry.read(3, 'errorRate', now + 1, 60_000)).toEqual({ value: 1, samples: 4 });
    expect(proxy.telemetry.read(3, 'errors5xx', now + 1, 60_000).value).toBe(4);
    expect(proxy.telemetry.read(3, 'consecutive5xx', now + 1, 60_000).value).toBe(4);
    expect(proxy.inFlight(3)).toBe(0);
  });

  it('keeps every request succeeding when one instance of a release is killed', async () => {
    const a = track(await startUpstream('v1'));
    const b = track(await startUpstream('v1'));
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(1, [a.upstream, b.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const statuses: number[] = [];
    const batch = async (): Promise<void> => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => send(address, '/', { agent })));
      for (const answer of answers) statuses.push(answer.status);
    };
    await batch();
    expect(a.served).toBeGreaterThan(0);
    expect(b.served).toBeGreaterThan(0);
    await a.close();
    for (let i = 0; i < 5; i += 1) await batch();
    agent.destroy();
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(proxy.telemetry.read(1, 'errors5xx', Date.now() + 1, 60_000)).toEqual({ value: 0, samples: 60 });
  });

  it('retries on a fresh socket when a reused keep-alive socket was closed by the upstream', async () => {
    const v1 = track(await startUpstream('v1', { resetReusedSockets: true }));
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    const failed: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const answer = await send(address, '/');
      if (answer.status !== 200 || text(answer) !== 'v1') failed.push(`${answer.status} ${text(answer)}`);
    }
    expect(failed).toEqual([]);
    expect(v1.resets).toBeGreaterThan(5);
    expect(proxy.telemetry.read(1, 'errors5xx', Date.now() + 1, 60_000)).toEqual({ value: 0, samples: 30 });
  });

  it('serves a GET the dead release could not answer from the other release, and counts the failure', async () => {
    const v2 = track(await startUpstream('v2'));
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(1, [{ host: '127.0.0.1', port: await deadPort() }]);
    proxy.setUpstreams(2, [v2.upstream]);
    proxy.setWeights({ 1: 50, 2: 50 });
    const address = await proxy.listen();
    const bodies: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const answer = await send(address, '/');
      bodies.push(answer.status === 200 ? text(answer) : String(answer.status));
    }
    expect(bodies).toEqual(Array.from({ length: 10 }, () => 'v2'));
    expect(v2.served).toBe(10);
    // The dead release failed its five: its error rate must show it to the triggers.
    expect(proxy.telemetry.read(1, 'errorRate', Date.now() + 1, 60_000)).toEqual({ value: 1, samples: 5 });
    expect(proxy.telemetry.read(2, 'errorRate', Date.now() + 1, 60_000)).toEqual({ value: 0, samples: 10 });
  });

  it('moves a GET whose instance died mid-request to the warm release', async () => {
    const v1 = track(await startUpstream('v1'));
    const v2 = track(await startUpstream('v2', { dying: true }));
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setUpstreams(2, [v2.upstream]);
    proxy.setWeights({ 2: 100 });
    const address = await proxy.listen();
    const answer = await send(address, '/');
    expect(answer.status).toBe(200);
    expect(text(answer)).toBe('v1');
    expect(v2.served).toBe(1);
    expect(v1.served).toBe(1);
  });

  it('never sends a POST twice once the upstream may have read it', async () => {
    const v1 = track(await startUpstream('v1'));
    const v2 = track(await startUpstream('v2'));
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(1, [v1.upstream, v1.upstream]);
    proxy.setUpstreams(2, [v2.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // A first request leaves a kept-alive socket, so the POST goes out on a reused one.
    expect((await send(address, '/', { agent })).status).toBe(200);
    const answer = await send(address, '/reset', { agent, method: 'POST', body: Buffer.from('charge card 42') });
    agent.destroy();
    expect(answer.status).toBe(502);
    expect(v1.served).toBe(2);
    expect(v2.served).toBe(0);
    expect(proxy.telemetry.read(1, 'errors5xx', Date.now() + 1, 60_000)).toEqual({ value: 1, samples: 2 });
  });

  it('answers 504 after upstreamTimeout when a release accepts and never answers', async () => {
    const v1 = track(await startUpstream('v1'));
    const proxy = track(createTrafficSwitch({ upstreamTimeoutMs: 600 }));
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    const started = Date.now();
    const pending = send(address, '/hang');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Still hanging: counted in the latency percentiles at the age it has reached.
    const p95 = proxy.telemetry.read(1, 'latencyP95Ms', Date.now() + 1, 60_000);
    expect(p95.samples).toBe(1);
    expect(p95.value).toBeGreaterThan(250);
    const answer = await pending;
    const waited = Date.now() - started;
    expect(answer.status).toBe(504);
    expect(text(answer)).toMatch(/release 1 did not answer in time/);
    expect(waited).toBeGreaterThanOrEqual(590);
    expect(waited).toBeLessThan(5000);
    expect(v1.served).toBe(1);
    expect(proxy.telemetry.read(1, 'errorRate', Date.now() + 1, 60_000)).toEqual({ value: 1, samples: 1 });
  });

  it('cuts the client off and counts a 5xx when the upstream breaks mid-response', async () => {
    const v1 = track(await startUpstream('v1'));
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    await expect(send(address, '/break')).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
    expect(await proxy.drain(1, 2000)).toBe(true);
    expect(proxy.telemetry.read(1, 'errors5xx', Date.now() + 1, 60_000)).toEqual({ value: 1, samples: 1 });
  });

  it('stops the upstream request when the client goes away', async () => {
    const v1 = track(await startUpstream('v1'));
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(1, [v1.upstream]);
    proxy.setWeights({ 1: 100 });
    const address = await proxy.listen();
    const req = request({ ...address, path: '/delay?ms=3000' });
    req.on('error', () => undefined);
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(proxy.inFlight(1)).toBe(1);
    const started = Date.now();
    req.destroy();
    // drained without waiting for the upstream's answer at 3 s: the upstream request was stopped
    expect(await proxy.drain(1, 2000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    // A client that left before any answer says nothing about the release.
    expect(proxy.telemetry.read(1, 'requests', Date.now() + 1, 60_000).value).toBe(0);
  });

  it('answers a WebSocket upgrade to a dead release with 502', async () => {
    const proxy = track(createTrafficSwitch({}));
    proxy.setUpstreams(5, [{ host: '127.0.0.1', port: await deadPort() }]);
    proxy.setWeights({ 5: 100 });
    const address = await proxy.listen();
    const socket = new WebSocket(`ws://${address.host}:${address.port}/`);
    const status = await new Promise<number>((resolve, reject) => {
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => reject(new Error('opened')));
      socket.once('error', () => undefined);
    });
    socket.terminate();
    expect(status).toBe(502);
    expect(await proxy.drain(5, 2000)).toBe(true);
    expect(proxy.telemetry.read(5, 'errorRate', Date.now() + 1, 60_000)).toEqual({ value: 1, samples: 1 });
  });
});
