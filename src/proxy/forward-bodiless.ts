/**
 * The switch's side of a bodiless request sent on its own upstream connections
 * (upstream-connections.ts): the request head it writes, and what it does with
 * the answer.
 */
import type { ServerResponse } from 'node:http';
import { endToEnd } from './headers.js';
import { EXCHANGE } from './http-exchange.js';
import type { Exchange, Tagged } from './http-exchange.js';
import type { Instance } from './release-pool.js';
import type { ResponseHead } from './response-reader.js';
import type { CallHandler } from './upstream-connections.js';

/**
 * Sends a bodiless request on one of `instance`'s own connections (a fresh one
 * for a retry); false when all its connections are busy and Node's agent must
 * queue it instead.
 */
export function sendBodiless(exchange: Exchange, instance: Instance, answers: CallHandler<Exchange>): boolean {
  const head = requestHead(exchange, instance);
  const fresh = exchange.attempts > 1;
  const headRequest = exchange.req.method === 'HEAD';
  const timeoutMs = exchange.context.connectTimeoutMs;
  exchange.call = instance.connections.call(exchange, answers, head, headRequest, fresh, timeoutMs);
  return exchange.call !== undefined;
}

/** An attempt failed before its answer ended; `unsent`: the upstream cannot have acted on it. */
export type AttemptFailed = (exchange: Exchange, error: Error, reused: boolean, unsent: boolean) => void;

/**
 * What becomes of a bodiless request's answer read on the switch's own
 * connection: the head and body go to the client as they come, with the
 * client's backpressure passed back to the connection; a failure before the
 * end goes to `attemptFailed` (forward-http.ts), which retries or answers 502/504.
 */
export function bodilessAnswers(attemptFailed: AttemptFailed): CallHandler<Exchange> {
  return {
    head(exchange: Exchange, head: ResponseHead): void {
      const { res } = exchange;
      exchange.replay = null;
      if (res.destroyed) {
        exchange.call?.destroy();
        return;
      }
      const headers = endToEnd(head.rawHeaders);
      // Throws on a header Node will not send (the reader fails the attempt then).
      if (head.statusMessage === '') res.writeHead(head.status, headers);
      else res.writeHead(head.status, head.statusMessage, headers);
      exchange.status = head.status;
    },
    body(exchange: Exchange, chunk: Buffer, last: boolean): boolean {
      const { res } = exchange;
      if (res.destroyed) return true;
      if (last) {
        res.end(chunk);
        return true;
      }
      if (res.write(chunk)) return true;
      res.once('drain', onClientDrain);
      return false;
    },
    end(exchange: Exchange): void {
      if (!exchange.res.writableEnded) exchange.res.end();
    },
    fail(exchange: Exchange, error: Error, reused: boolean, connected: boolean): void {
      if (exchange.res.destroyed) return;
      attemptFailed(exchange, error, reused, !connected);
    },
  };
}

function onClientDrain(this: Tagged<ServerResponse>): void {
  (this[EXCHANGE] as Exchange).call?.resume();
}

/** The request head for the switch's own connections; built once, kept for a retry. */
function requestHead(exchange: Exchange, instance: Instance): string {
  if (exchange.head !== undefined) return exchange.head;
  const { req, headers } = exchange;
  let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
  let host = false;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') host = true;
    head += `${name}: ${headers[i + 1] as string}\r\n`;
  }
  if (!host) head += `Host: ${instance.host}:${instance.port}\r\n`;
  exchange.head = `${head}\r\n`;
  return exchange.head;
}
