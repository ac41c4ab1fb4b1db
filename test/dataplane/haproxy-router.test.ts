/**
 * The haproxy router with Debian's real HAProxy: releases come and go over the
 * runtime API without a reload, 20 weight switches under load lose nothing,
 * the request log fills the same per-release telemetry (equal to what the
 * client counted, ±2 %), requests in flight count at their age, spoofed
 * forwarding headers do not reach the upstream, and a dying release's GETs are
 * answered by the other one.
 */
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHaproxyRouter, findHaproxy } from '../../src/proxy/haproxy/index.js';
import type { HaproxyRouter } from '../../src/proxy/haproxy/index.js';
import type { Upstream } from '../../src/proxy/index.js';
import { missingPart } from '../harness/free-port.js';
import { send, startUpstream, text } from '../proxy/upstream-fixture.js';
import type { TestUpstream } from '../proxy/upstream-fixture.js';

const available = findHaproxy() !== undefined || missingPart('Debian haproxy (/usr/sbin/haproxy)') !== 'skip';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let v1: TestUpstream;
let v2: TestUpstream;
let router: HaproxyRouter;
let address: Upstream;

beforeAll(async () => {
  if (!available) return;
  v1 = await startUpstream('v1');
  v2 = await startUpstream('v2');
  router = createHaproxyRouter({ upstreamTimeoutMs: 5000 });
  address = await router.listen();
});

afterAll(async () => {
  await router?.close();
  await v1?.close();
  await v2?.close();
});

/** Keep-alive GETs every few ms until stopped; what the client saw. */
function load(agent: Agent) {
  const seen = { v1: 0, v2: 0, total: 0, failed: [] as string[] };
  let running = true;
  const done = (async () => {
    const pending: Promise<void>[] = [];
    while (running) {
      seen.total += 1;
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
      await sleep(4);
    }
    await Promise.all(pending);
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe.runIf(available)('haproxy router', () => {
  it('deploys a release over the runtime API and serves it', async () => {
    const pid = router.pid();
    router.setUpstreams(1, [v1.upstream]);
    router.setWeights({ 1: 100 });
    await router.settled();
    expect(text(await send(address, '/'))).toBe('v1');
    router.setUpstreams(2, [v2.upstream]);
    router.setWeights({ 1: 50, 2: 50 });
    await router.settled();
    const bodies = await Promise.all(Array.from({ length: 20 }, () => send(address, '/').then(text)));
    expect(bodies.filter((body) => body === 'v2').length).toBeGreaterThanOrEqual(8);
    expect(bodies.filter((body) => body === 'v1').length).toBeGreaterThanOrEqual(8);
    // No reload: the same HAProxy process served it all.
    expect(router.pid()).toBe(pid);
    expect(() => router.setWeights({ 9: 100 })).toThrow(/revision 9 has no upstreams/);
  });

  it('loses no request over 20 switches under load, and its telemetry matches the client ±2 %', async () => {
    router.setWeights({ 1: 100 });
    await router.settled();
    await sleep(1100); // start on a fresh second of telemetry
    const from = Date.now();
    const before = { v1: v1.served, v2: v2.served };
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const traffic = load(agent);
    for (let i = 0; i < 20; i += 1) {
      await sleep(150);
      router.setWeights(i % 2 === 0 ? { 2: 100 } : { 1: 100 });
      await router.settled();
    }
    await traffic.stop();
    agent.destroy();
    const { seen } = traffic;
    expect(seen.failed).toEqual([]);
    expect(seen.v1).toBeGreaterThan(100);
    expect(seen.v2).toBeGreaterThan(100);
    // The upstreams' own counts agree with the client's.
    expect(v1.served - before.v1).toBe(seen.v1);
    expect(v2.served - before.v2).toBe(seen.v2);
    await sleep(300); // the log ring is streamed as it fills: let the last lines land
    const now = Date.now() + 1;
    const counted = (revision: number) => router.telemetry.read(revision, 'requests', now, now - from + 1000).value;
    expect(Math.abs(counted(1) - seen.v1)).toBeLessThanOrEqual(Math.ceil(seen.v1 * 0.02));
    expect(Math.abs(counted(2) - seen.v2)).toBeLessThanOrEqual(Math.ceil(seen.v2 * 0.02));
    expect(router.telemetry.read(1, 'errorRate', now, 60_000).value).toBe(0);
  });

  it('replaces a client-sent X-Forwarded-For', async () => {
    const answer = await send(address, '/headers', {
      headers: { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=1.2.3.4' },
    });
    const seen = JSON.parse(text(answer)) as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(JSON.stringify(seen)).not.toContain('1.2.3.4');
  });

  it('drains a release by weight 0 and its open requests, then removes it', async () => {
    router.setWeights({ 1: 100 });
    await router.settled();
    const slow = send(address, '/delay?ms=800');
    await sleep(200);
    router.setWeights({ 2: 100 });
    await router.settled();
    expect(await router.drain(1, 100)).toBe(false);
    expect(router.inFlight(1)).toBe(1);
    expect(await router.drain(1, 3000)).toBe(true);
    expect(text(await slow)).toBe('v1');
    router.removeRelease(1);
    await router.settled();
    expect(text(await send(address, '/'))).toBe('v2');
  });

  it('counts a request still in flight at the age it has reached', async () => {
    const slow = send(address, '/delay?ms=1500');
    await sleep(900);
    const now = Date.now();
    expect(router.inFlight(2)).toBe(1);
    expect(router.telemetry.read(2, 'latencyP99Ms', now, 1000).value).toBeGreaterThan(500);
    expect(router.telemetry.fractionAbove(2, 500, now, 1000).value).toBeGreaterThan(0);
    expect(text(await slow)).toBe('v2');
  });

  it('answers a GET the dying release could not from the other release', async () => {
    const dying = await startUpstream('v3', { dying: true });
    try {
      router.setUpstreams(1, [v1.upstream]);
      router.setUpstreams(3, [dying.upstream]);
      router.setWeights({ 3: 50, 2: 50 });
      await router.settled();
      const answers = await Promise.all(Array.from({ length: 20 }, () => send(address, '/').then(text)));
      expect(answers.filter((body) => body !== 'v2')).toEqual([]);
      expect(dying.served).toBeGreaterThan(0);
    } finally {
      await dying.close();
    }
  });

  it('tries every dying instance of a release before giving up on a kept-alive GET', async () => {
    // Four instances that read each request and drop the connection: a GET on a kept-alive
    // connection that used up HAProxy's retries on them would be closed with no answer at all
    // (HAProxy asks the client to retry), which a client sees as a connection failure.
    const dying = await Promise.all(['d1', 'd2', 'd3', 'd4'].map((name) => startUpstream(name, { dying: true })));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      router.setUpstreams(
        4,
        dying.map((d) => d.upstream),
      );
      router.setUpstreams(2, [v2.upstream]);
      router.setWeights({ 4: 80, 2: 20 });
      await router.settled();
      const answers: string[] = [];
      for (let i = 0; i < 20; i += 1)
        answers.push(await send(address, '/', { agent }).then(text, (error: Error) => `error ${error.message}`));
      expect(answers.filter((body) => body !== 'v2')).toEqual([]);
      expect(dying.reduce((sum, d) => sum + d.served, 0)).toBeGreaterThan(20);
    } finally {
      agent.destroy();
      router.setWeights({ 2: 100 });
      router.removeRelease(4);
      await router.settled();
      await Promise.all(dying.map((d) => d.close()));
    }
  });
});
