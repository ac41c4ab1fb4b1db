/**
 * Bodiless requests travel on the switch's own upstream connections: every way
 * an HTTP/1.1 answer can be framed must reach the client whole (Content-Length,
 * chunked with trailers, until the connection closes, no body for HEAD/204/304,
 * interim 100 answers skipped), a big answer must stream, a garbled one is a 502,
 * and kept-alive connections are reused.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrafficSwitch } from '../../src/proxy/index.js';
import type { TrafficSwitch, Upstream } from '../../src/proxy/index.js';
import { ResponseReader } from '../../src/proxy/response-reader.js';
import { send, text } from './upstream-fixture.js';

const BIG = Buffer.alloc(4 * 1024 * 1024, 'abcdefgh');
const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Raw answers by path: the bytes an upstream could send, written in pieces. */
function answer(path: string, socket: Socket): void {
  const write = (...pieces: string[]) => pieces.forEach((piece, i) => setTimeout(() => socket.write(piece), i * 5));
  if (path === '/chunked')
    write(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
      'lo\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n',
    );
  else if (path === '/until-close') {
    write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst ', 'second');
    setTimeout(() => socket.end(), 30);
  } else if (path === '/no-content') write('HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n');
  else if (path === '/not-modified') write('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n');
  else if (path === '/continue')
    write('HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  else if (path === '/big') {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n`);
    socket.write(BIG);
  } else if (path === '/garbled') write('HTTP/1.1 2xx what\r\n\r\n');
  else if (path === '/bad-header') write('HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok');
  else if (path === '/both-framings')
    write('HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
  else write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Path: ', `${path}\r\n\r\n0123456789`);
}

let upstream: Server;
let connections = 0;
let proxy: TrafficSwitch;
let address: Upstream;

beforeAll(async () => {
  upstream = createServer((socket) => {
    connections += 1;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const [method = '', path = ''] = buffered.slice(0, end).split(' ');
        buffered = buffered.slice(end + 4);
        if (method === 'HEAD') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n');
        else answer(path, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = createTrafficSwitch({});
  proxy.setUpstreams(1, [{ host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }]);
  proxy.setWeights({ 1: 100 });
  address = await proxy.listen();
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe('answers to bodiless requests', () => {
  it('passes every framing through whole', async () => {
    expect(text(await send(address, '/chunked'))).toBe('hello world');
    expect(text(await send(address, '/until-close'))).toBe('first second');
    const empty = await send(address, '/no-content');
    expect([empty.status, empty.body.length, empty.headers['x-a']]).toEqual([204, 0, '1']);
    expect((await send(address, '/not-modified')).status).toBe(304);
    expect(text(await send(address, '/continue'))).toBe('ok');
    const head = await send(address, '/', { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '1234', 0]);
    const plain = await send(address, '/plain');
    expect([text(plain), plain.headers['x-path']]).toEqual(['0123456789', '/plain']);
  });

  it('streams a 4 MB answer with the right bytes', async () => {
    const big = await send(address, '/big');
    expect(big.body.length).toBe(BIG.length);
    expect(sha(big.body)).toBe(sha(BIG));
  });

  it('answers 502 to a garbled answer and counts it', async () => {
    const garbled = await send(address, '/garbled');
    expect(garbled.status).toBe(502);
    expect((await send(address, '/bad-header')).status).toBe(502);
    const both = await send(address, '/both-framings');
    expect([text(both), both.headers['content-length']]).toEqual(['ok', undefined]);
    expect(proxy.telemetry.read(1, 'errors5xx', Date.now() + 1, 60_000).value).toBeGreaterThanOrEqual(1);
  });

  it('reuses kept-alive upstream connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await send(address, '/warm', { agent });
    const before = connections;
    for (let i = 0; i < 20; i += 1) expect(text(await send(address, `/n${i}`, { agent }))).toBe('0123456789');
    agent.destroy();
    expect(connections - before).toBeLessThanOrEqual(1);
  });
});

describe('the response reader', () => {
  it('reads a chunked answer split at every byte', () => {
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const parts: string[] = [];
      let ended = 0;
      const reader = new ResponseReader(
        {
          head: (head) => parts.push(`${head.status}`),
          body: (chunk) => parts.push(chunk.toString()) > 0,
          end: () => (ended += 1),
        },
        false,
      );
      reader.push(bytes.subarray(0, cut));
      reader.push(bytes.subarray(cut));
      expect([parts[0], parts.slice(1).join(''), ended, reader.reusable]).toEqual(['200', 'abcde', 1, true]);
    }
  });
});
