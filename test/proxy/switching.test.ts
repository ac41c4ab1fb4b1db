/**
 * Weight changes at the switch: atomic swaps under load drop
 * nothing, a request stays on the release that took it, drain waits for it, and
 * weights split traffic as asked.
 */
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrafficSwitch } from '../../src/proxy/index.js';
import type { TrafficSwitch, Upstream } from '../../src/proxy/index.js';
import { UserError } from '../../src/core/errors.js';
import { send, startUpstream, text } from './upstream-fixture.js';
import type { TestUpstream } from './upstream-fixture.js';

let v1: TestUpstream;
let v2: TestUpstream;
let proxy: TrafficSwitch;
let address: Upstream;

beforeAll(async () => {
  v1 = await startUpstream('v1');
  v2 = await startUpstream('v2');
  proxy = createTrafficSwitch({ host: '127.0.0.1', port: 0 });
  proxy.setUpstreams(1, [v1.upstream]);
  proxy.setUpstreams(2, [v2.upstream]);
  address = await proxy.listen();
});

afterAll(async () => {
  await proxy.close();
  await proxy.close(); // callable twice
  await v1.close();
  await v2.close();
});

describe('weight switches', () => {
  it('answers 503 with a clear body while no release has weight', async () => {
    proxy.setWeights({});
    const answer = await send(address, '/');
    expect(answer.status).toBe(503);
    expect(text(answer)).toMatch(/no release .* weight > 0/);
  });

  it('rejects weights for unknown revisions or out of range', () => {
    expect(() => proxy.setWeights({ 7: 100 })).toThrow(UserError);
    expect(() => proxy.setWeights({ 1: -5 })).toThrow(/percent from 0 to 100/);
    expect(proxy.weights()).toEqual({});
  });

  it('loses no request over 20 switches under ~100 req/s keep-alive load', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const seen = { v1: 0, v2: 0, failed: [] as string[] };
    proxy.setWeights({ 1: 100 });
    let running = true;
    const load = (async () => {
      const pending: Promise<void>[] = [];
      while (running) {
        pending.push(
          send(address, '/', { agent }).then(
            (answer) => {
              const body = text(answer);
              if (answer.status === 200 && (body === 'v1' || body === 'v2')) seen[body] += 1;
              else seen.failed.push(`${answer.status} ${body}`);
            },
            (error: Error) => void seen.failed.push(error.message),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await Promise.all(pending);
    })();
    for (let i = 0; i < 20; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      proxy.setWeights(i % 2 === 0 ? { 2: 100 } : { 1: 100 });
      expect(proxy.weights()).toEqual(i % 2 === 0 ? { 2: 100 } : { 1: 100 });
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    running = false;
    await load;
    agent.destroy();
    expect(seen.failed).toEqual([]);
    expect(seen.v1).toBeGreaterThan(50);
    expect(seen.v2).toBeGreaterThan(50);
  });

  it('finishes an in-flight request on its original release and drain waits for it', async () => {
    proxy.setWeights({ 1: 100 });
    const started = Date.now();
    const slow = send(address, '/delay?ms=2000');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(proxy.inFlight(1)).toBe(1);
    proxy.setWeights({ 2: 100 });
    expect(text(await send(address, '/'))).toBe('v2');
    expect(await proxy.drain(1, 100)).toBe(false);
    expect(await proxy.drain(1, 10_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(text(answer)).toBe('v1');
    expect(proxy.inFlight(1)).toBe(0);
    expect(await proxy.drain(1, 0)).toBe(true);
  });

  it('splits 90/10 weights 90/10', async () => {
    proxy.setWeights({ 1: 90, 2: 10 });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const counts: Record<string, number> = { v1: 0, v2: 0 };
    for (let round = 0; round < 10; round += 1) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => send(address, '/', { agent })));
      for (const answer of answers) counts[text(answer)] = (counts[text(answer)] ?? 0) + 1;
    }
    agent.destroy();
    expect(counts.v1).toBeGreaterThanOrEqual(170);
    expect(counts.v2).toBeGreaterThanOrEqual(10);
    expect((counts.v1 ?? 0) + (counts.v2 ?? 0)).toBe(200);
  });

  it('lets requests in flight finish on a removed release', async () => {
    proxy.setWeights({ 1: 50, 2: 50 });
    const slow = send(address, '/delay?ms=500');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const revision = proxy.inFlight(1) === 1 ? 1 : 2;
    proxy.removeRelease(revision);
    expect(proxy.weights()).toEqual({ [3 - revision]: 50 });
    expect(proxy.inFlight(revision)).toBe(1);
    expect(text(await slow)).toBe(`v${revision}`);
    expect(await proxy.drain(revision, 1000)).toBe(true);
    expect(() => proxy.setUpstreams(9, [{ host: '', port: 80 }])).toThrow(/needs a host/);
    expect(() => proxy.setUpstreams(9, [{ host: '127.0.0.1', port: 70_000 }])).toThrow(/expected 1–65535/);
  });
});
