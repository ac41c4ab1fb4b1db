/**
 * Real upstream servers for the traffic switch tests: each answers with its
 * release name, and has a few routes that let a test shape its behaviour
 * (delays, hangs, resets, header echo, body echo, WebSocket echo). `served`
 * counts every request the upstream received, answered or not.
 */
import { createServer, request } from 'node:http';
import type { Agent, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Upstream } from '../../src/proxy/index.js';

export interface TestUpstream {
  name: string;
  upstream: Upstream;
  server: Server;
  /** requests answered */
  served: number;
  /** connections reset by `resetReusedSockets` */
  resets: number;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  /**
   * Reset a kept-alive connection when a second request arrives on it, without
   * answering: what a client sees when the server closed an idle socket just as
   * the request was sent.
   */
  resetReusedSockets?: boolean;
  /** Read every request, then drop its connection without answering: a process dying under load. */
  dying?: boolean;
}

export async function startUpstream(name: string, options: UpstreamOptions = {}): Promise<TestUpstream> {
  const state = { served: 0, resets: 0 };
  const used = new WeakSet<object>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (options.resetReusedSockets === true) {
      if (used.has(req.socket)) {
        state.resets += 1;
        req.socket.destroy();
        return;
      }
      used.add(req.socket);
    }
    state.served += 1;
    if (options.dying === true) {
      req.resume();
      req.on('end', () => req.socket.destroy());
    } else if (url.pathname === '/delay') {
      setTimeout(() => res.end(name), Number(url.searchParams.get('ms') ?? 0));
    } else if (url.pathname === '/headers') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('connection', 'keep-alive, x-upstream-hop');
      res.setHeader('x-upstream-hop', 'must not reach the client');
      res.setHeader('keep-alive', 'timeout=5');
      res.setHeader('proxy-authenticate', 'Basic realm="upstream"');
      res.setHeader('x-end-to-end', 'kept');
      res.end(JSON.stringify(req.headers));
    } else if (url.pathname === '/break') {
      // Promise 1000 bytes, send 7, then drop the connection.
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 50);
    } else if (url.pathname === '/hang') {
      // Accepts, reads, never answers.
      req.resume();
    } else if (url.pathname === '/reset') {
      // Reads the whole request (it may have acted on it), then dies without answering.
      req.resume();
      req.on('end', () => req.socket.destroy());
    } else if (url.pathname === '/echo') {
      res.setHeader('content-type', 'application/octet-stream');
      req.pipe(res);
    } else {
      req.resume();
      req.on('end', () => res.end(name));
    }
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => socket.send(`${name}:${String(data)}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    name,
    upstream: { host: '127.0.0.1', port },
    server,
    get served() {
      return state.served;
    },
    get resets() {
      return state.resets;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Answer {
  status: number;
  body: Buffer;
  headers: IncomingHttpHeaders;
}

/** One request through a (keep-alive) agent; rejects on transport errors. */
export function send(
  target: Upstream,
  path: string,
  options: { agent?: Agent; method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const text = (answer: Answer): string => answer.body.toString('utf8');
