/**
 * What crosses the switch (issue 3 §3): end-to-end headers only, X-Forwarded-*,
 * streamed bodies of several MB both ways, and WebSocket upgrades.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTrafficSwitch } from '../../src/proxy/index.js';
import type { TrafficSwitch, Upstream } from '../../src/proxy/index.js';
import { send, startUpstream, text } from './upstream-fixture.js';
import type { TestUpstream } from './upstream-fixture.js';

let v1: TestUpstream;
let proxy: TrafficSwitch;
let address: Upstream;

beforeAll(async () => {
  v1 = await startUpstream('v1');
  proxy = createTrafficSwitch({});
  proxy.setUpstreams(1, [v1.upstream]);
  proxy.setWeights({ 1: 100 });
  address = await proxy.listen();
});

afterAll(async () => {
  await proxy.close();
  await v1.close();
});

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('forwarding', () => {
  it('drops hop-by-hop headers both ways and adds X-Forwarded-*', async () => {
    const answer = await send(address, '/headers', {
      method: 'POST',
      headers: {
        host: 'shop.example:8080',
        connection: 'keep-alive, x-client-hop',
        'x-client-hop': 'must not reach the upstream',
        'keep-alive': 'timeout=30',
        'proxy-authorization': 'Basic c2VjcmV0',
        te: 'trailers',
        trailer: 'x-checksum',
        upgrade: 'h2c',
        'transfer-encoding': 'chunked',
        'x-forwarded-for': '203.0.113.7',
        'x-end-to-end': 'kept',
      },
      body: Buffer.from('hello'),
    });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(text(answer)) as Record<string, string>;
    for (const name of ['x-client-hop', 'keep-alive', 'proxy-authorization', 'te', 'trailer', 'upgrade'])
      expect(seen[name], name).toBeUndefined();
    // The switch's own hop to the upstream is keep-alive; the client's tokens are gone.
    expect(seen.connection).toBe('keep-alive');
    expect(seen['x-end-to-end']).toBe('kept');
    expect(seen.host).toBe('shop.example:8080');
    // The client is not a trusted proxy: what it claimed about itself is replaced.
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('shop.example:8080');
    // Response side: the upstream's hop-by-hop headers do not reach the client.
    expect(answer.headers['x-upstream-hop']).toBeUndefined();
    expect(answer.headers['proxy-authenticate']).toBeUndefined();
    expect(answer.headers['x-end-to-end']).toBe('kept');
  });

  it('does not let a client choose the address the upstream sees', async () => {
    const spoofed = {
      'x-forwarded-for': '1.2.3.4',
      'X-Forwarded-Proto': 'https',
      'x-forwarded-host': 'bank.example',
      forwarded: 'for=1.2.3.4;proto=https',
      host: 'shop.example',
    };
    const seen = JSON.parse(text(await send(address, '/headers', { headers: spoofed }))) as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('shop.example');
    expect(seen.forwarded).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain('1.2.3.4');

    // A proxy in front that trustForwardedFrom names keeps its chain.
    const trusting = createTrafficSwitch({ trustForwardedFrom: ['10.0.0.0/8', '127.0.0.1'] });
    try {
      trusting.setUpstreams(1, [v1.upstream]);
      trusting.setWeights({ 1: 100 });
      const front = await trusting.listen();
      const kept = JSON.parse(text(await send(front, '/headers', { headers: spoofed }))) as Record<string, string>;
      expect(kept['x-forwarded-for']).toBe('1.2.3.4, 127.0.0.1');
      expect(kept['x-forwarded-proto']).toBe('https');
      expect(kept['x-forwarded-host']).toBe('bank.example');
    } finally {
      await trusting.close();
    }
    expect(() => createTrafficSwitch({ trustForwardedFrom: ['10.0.0.0/33'] })).toThrow(
      /trustForwardedFrom: "10.0.0.0\/33"/,
    );
  });

  it('sets X-Forwarded-For when the client sent none', async () => {
    const seen = JSON.parse(text(await send(address, '/headers'))) as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('streams a body of several MB both ways with the right bytes', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const result = await new Promise<{ status: number; digest: string; length: number }>((resolve, reject) => {
      const req = request(
        { ...address, path: '/echo', method: 'POST', headers: { 'content-type': 'application/octet-stream' } },
        (res) => {
          const hash = createHash('sha256');
          let length = 0;
          res.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            length += chunk.length;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, digest: hash.digest('hex'), length }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      // Chunked upload in 64 KiB pieces: the switch must pass it on as a stream.
      Readable.from(
        (function* () {
          for (let offset = 0; offset < payload.length; offset += 65536) yield payload.subarray(offset, offset + 65536);
        })(),
      ).pipe(req);
    });
    expect(result.status).toBe(200);
    expect(result.length).toBe(payload.length);
    expect(result.digest).toBe(sha(payload));
  });

  it('forwards each chunk as it comes instead of waiting for the whole body', async () => {
    // The client sends its second chunk only after the first came back through
    // the switch: a proxy that buffered either body would never finish.
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request({ ...address, path: '/echo', method: 'POST' }, (res) => {
        let seen = '';
        res.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen === 'first;') req.end('second;');
        });
        res.on('end', () => resolve(seen));
      });
      req.on('error', reject);
      req.flushHeaders();
      req.write('first;');
    });
    expect(echoed).toBe('first;second;');
  });

  it('passes WebSocket upgrades through and counts them in flight until closed', async () => {
    const socket = new WebSocket(`ws://${address.host}:${address.port}/socket`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    expect(proxy.inFlight(1)).toBe(1);
    const replies: string[] = [];
    for (const word of ['one', 'two']) {
      const reply = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
      socket.send(word);
      replies.push(await reply);
    }
    expect(replies).toEqual(['v1:one', 'v1:two']);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.close();
    await closed;
    expect(await proxy.drain(1, 5000)).toBe(true);
    expect(proxy.inFlight(1)).toBe(0);
  });
});
