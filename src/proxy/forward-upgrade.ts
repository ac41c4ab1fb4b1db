/**
 * Protocol upgrades (WebSocket) pass through the switch: the
 * handshake goes to an instance of the release chosen on arrival, the upstream's
 * answer goes back verbatim, then bytes are piped both ways until either side
 * closes. The connection counts as in flight on its release until it is closed,
 * so `drain` waits for open WebSockets. Retry and 502 follow the HTTP path: one
 * more try on the same release when the first connect failed.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { endToEnd, isTrusted, upstreamRequestHeaders } from './headers.js';
import { connectTimeoutError, errorCode, isConnectFailure, isRetryable, recordExchange } from './exchange.js';
import type { ForwardContext } from './exchange.js';
import type { Instance, ReleasePool } from './release-pool.js';

/** Sockets of open upgraded connections, so `close()` can end them. */
export type OpenSockets = Set<Duplex>;

function ignore(): void {}

function rawHead(statusLine: string, rawHeaders: string[]): string {
  let head = statusLine + '\r\n';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return head + '\r\n';
}

export function forwardUpgrade(
  context: ForwardContext,
  pool: ReleasePool,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  open: OpenSockets,
): void {
  const startedAt = performance.now();
  const address = req.socket.remoteAddress;
  const trusted = isTrusted(context.trusted, address);
  const headers = upstreamRequestHeaders(req.rawHeaders, address, context.encrypted, true, trusted);
  let answered = false;
  let attempts = 0;
  let failed: Instance | undefined;
  pool.begin();
  open.add(client);
  client.on('error', ignore);
  client.once('close', () => {
    open.delete(client);
    pool.end();
  });

  const answer = (status: number): void => {
    answered = true;
    recordExchange(context, pool, startedAt, status >= 500);
    pool.telemetry.recordOutcome(context.clock.now(), status >= 500, -1, context.featureOf(req.url));
  };

  const refuse = (reason: string): void => {
    answer(502);
    const body = `502 Bad Gateway: rewind traffic switch: ${reason}\n`;
    client.end(
      `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  const attempt = (): void => {
    const instance = pool.next(failed);
    if (instance === undefined) return refuse(`release ${pool.revision} has no instances`);
    attempts += 1;
    const upstream = httpRequest({
      host: instance.host,
      port: instance.port,
      method: req.method,
      path: req.url,
      headers,
      agent: context.freshAgent,
    });
    let timer: NodeJS.Timeout | undefined;
    upstream.on('socket', (socket) => {
      timer = setTimeout(
        () => upstream.destroy(connectTimeoutError(context.connectTimeoutMs)),
        context.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(timer));
    });
    const abandon = (): void => {
      upstream.destroy();
    };
    client.once('close', abandon);

    upstream.on('upgrade', (res: IncomingMessage, socket: Duplex, upstreamHead: Buffer) => {
      clearTimeout(timer);
      client.off('close', abandon);
      answer(res.statusCode ?? 101);
      if (client.destroyed) return void socket.destroy();
      open.add(socket);
      socket.on('error', ignore);
      socket.once('close', () => {
        open.delete(socket);
        client.destroy();
      });
      client.once('close', () => socket.destroy());
      client.write(rawHead(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`, res.rawHeaders));
      if (upstreamHead.length > 0) client.write(upstreamHead);
      if (head.length > 0) socket.write(head);
      socket.pipe(client);
      client.pipe(socket);
    });

    upstream.on('response', (res: IncomingMessage) => {
      // The upstream declined the upgrade: relay its answer and close.
      clearTimeout(timer);
      answer(res.statusCode ?? 502);
      const relayed = endToEnd(res.rawHeaders);
      relayed.push('Connection', 'close');
      client.write(rawHead(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`, relayed));
      res.on('error', () => client.destroy());
      res.pipe(client);
    });

    upstream.on('error', (error: Error) => {
      clearTimeout(timer);
      client.off('close', abandon);
      if (answered || client.destroyed) return void client.destroy();
      const code = errorCode(error);
      if (isConnectFailure(code)) pool.markDown(instance);
      failed = instance;
      if (attempts === 1 && isRetryable(code)) return attempt();
      refuse(`release ${pool.revision} is unreachable (${code})`);
    });
    upstream.end();
  };
  attempt();
}
