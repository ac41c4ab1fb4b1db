/**
 * Forwards one HTTP request to an instance of the release it was bound to.
 * Bodies stream both ways with backpressure; only the first `replayLimitBytes` of
 * a request body are kept, and only until the upstream answers, so a failed
 * attempt can be sent again. Whether it may be is `mayRetry`'s call
 * (exchange.ts): the runbook rule is "never run a payment twice, never drop a
 * page view". An answer that does not start within `upstreamTimeoutMs` becomes a
 * 504 (found by the switch's sweep of requests in flight); any other failure before the answer a 502; both count as 5xx of the release.
 *
 * Hot path: listeners are shared module functions that find their exchange
 * through a symbol on the emitter, so a request allocates one Exchange object and
 * what node:http itself needs; bodiless requests keep no replay buffer and go
 * out on the switch's own connections (upstream-connections.ts).
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { endToEnd } from './headers.js';
import { EXCHANGE, Exchange, MAX_ATTEMPTS, NO_BODY } from './http-exchange.js';
import type { Tagged } from './http-exchange.js';
import { connectTimeoutError, errorCode, isConnectFailure, mayRetry, recordExchange } from './exchange.js';
import type { ForwardContext } from './exchange.js';
import type { Instance, ReleasePool } from './release-pool.js';
import { bodilessAnswers, sendBodiless } from './forward-bodiless.js';

export function forwardHttp(
  context: ForwardContext,
  pool: ReleasePool,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const exchange = new Exchange(context, pool, req, res, performance.now());
  pool.begin();
  pool.telemetry.pending.add(exchange);
  (req as Tagged<IncomingMessage>)[EXCHANGE] = exchange;
  (res as Tagged<ServerResponse>)[EXCHANGE] = exchange;
  res.on('close', onClientClose);
  req.on('data', onClientData);
  req.on('end', onClientEnd);
  req.on('error', onClientError);
  send(exchange, exchange.pool.next(undefined));
}

function send(exchange: Exchange, instance: Instance | undefined): void {
  const { pool, req, context } = exchange;
  if (instance === undefined) {
    fail(exchange, 502, `release ${pool.revision} has no instances`);
    return;
  }
  exchange.attempts += 1;
  exchange.instance = instance;
  exchange.writtenBefore = -1;
  if (exchange.replay === NO_BODY && sendBodiless(exchange, instance, BODILESS)) {
    exchange.upstream = undefined;
    return;
  }
  const upstream: Tagged<ClientRequest> = httpRequest({
    host: instance.host,
    port: instance.port,
    method: req.method,
    path: req.url,
    headers: exchange.headers,
    agent: exchange.attempts === 1 ? pool.agent : context.freshAgent,
  });
  upstream[EXCHANGE] = exchange;
  exchange.upstream = upstream;
  upstream.on('socket', onUpstreamSocket);
  upstream.on('response', onUpstreamResponse);
  upstream.on('error', onUpstreamError);
  upstream.on('drain', onUpstreamDrain);
  if (exchange.replay !== null) for (const chunk of exchange.replay) upstream.write(chunk);
  if (exchange.bodyEnded) upstream.end();
  else if (req.isPaused()) req.resume();
}

function onUpstreamSocket(this: Tagged<ClientRequest>, socket: Socket): void {
  const exchange = this[EXCHANGE] as Exchange;
  exchange.writtenBefore = socket.bytesWritten;
  if (!socket.connecting) return;
  armConnectTimer(exchange, this, socket);
}

/** A new connection: bound the connect phase only; the answer has its own timer. */
function armConnectTimer(exchange: Exchange, upstream: ClientRequest, socket: Socket): void {
  const ms = exchange.context.connectTimeoutMs;
  exchange.connectTimer = setTimeout(() => upstream.destroy(connectTimeoutError(ms)), ms);
  socket.once('connect', () => clearTimeout(exchange.connectTimer));
}

function onUpstreamError(this: Tagged<ClientRequest>, error: Error): void {
  const exchange = this[EXCHANGE] as Exchange;
  clearTimeout(exchange.connectTimer);
  if (exchange.upstream !== this || exchange.res.destroyed) return;
  const unsent = exchange.writtenBefore >= 0 && this.socket?.bytesWritten === exchange.writtenBefore;
  attemptFailed(exchange, error, this.reusedSocket, unsent);
}

/**
 * One attempt failed. Before any answer the request may be sent again (see
 * `mayRetry`); after the answer started the client connection is cut.
 */
function attemptFailed(exchange: Exchange, error: Error, reused: boolean, unsent: boolean): void {
  if (exchange.status !== 0) {
    exchange.broken = true;
    exchange.res.destroy();
    return;
  }
  const code = errorCode(error);
  const { pool, instance } = exchange;
  if (isConnectFailure(code) && instance !== undefined) pool.markDown(instance);
  const retry =
    exchange.attempts < MAX_ATTEMPTS && exchange.replay !== null && mayRetry(code, unsent, exchange.idempotent);
  if (retry) {
    // One more try on the same release (a fresh socket after a stale one, else
    // another instance), then the other release; the last try is kept for it.
    if (!exchange.movedRelease && exchange.attempts === 1) {
      const again = pool.nextOther(instance) ?? (reused ? instance : undefined);
      if (again !== undefined) return send(exchange, again);
    }
    const fallback = exchange.movedRelease ? undefined : exchange.context.fallback(pool);
    if (fallback !== undefined) return moveTo(exchange, fallback);
    if (!exchange.movedRelease) return send(exchange, pool.next(instance));
  }
  if (code === 'EUPSTREAMTIMEOUT') fail(exchange, 504, `release ${pool.revision} did not answer in time`);
  else fail(exchange, 502, `release ${pool.revision} is unreachable (${code})`);
}

/**
 * The release failed this request before answering: count that failure against
 * it (its error rate must show the crash) and send the request to `target`.
 */
function moveTo(exchange: Exchange, target: ReleasePool): void {
  const failed = exchange.pool;
  recordExchange(exchange.context, failed, exchange.startedAt, true);
  failed.telemetry.pending.delete(exchange);
  failed.end();
  target.begin();
  // The release that answers is measured from when it got the request: the time
  // lost on the failed one is not its latency.
  exchange.startedAt = performance.now();
  target.telemetry.pending.add(exchange);
  exchange.pool = target;
  exchange.movedRelease = true;
  exchange.instance = undefined;
  send(exchange, target.next(undefined));
}

function fail(exchange: Exchange, status: 502 | 504, reason: string): void {
  const { res } = exchange;
  exchange.replay = null;
  if (res.headersSent) {
    exchange.broken = true;
    res.destroy();
    return;
  }
  exchange.status = status;
  const title = status === 504 ? 'Gateway Timeout' : 'Bad Gateway';
  const body = `${status} ${title}: rewind traffic switch: ${reason}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function onUpstreamResponse(this: Tagged<ClientRequest>, upstreamRes: Tagged<IncomingMessage>): void {
  const exchange = this[EXCHANGE] as Exchange;
  const { res } = exchange;
  exchange.replay = null;
  if (res.destroyed) {
    upstreamRes.resume();
    return;
  }
  exchange.status = upstreamRes.statusCode ?? 502;
  upstreamRes[EXCHANGE] = exchange;
  upstreamRes.on('error', onUpstreamResponseError);
  res.writeHead(exchange.status, upstreamRes.statusMessage, endToEnd(upstreamRes.rawHeaders));
  upstreamRes.pipe(res);
}

/** The answers of bodiless requests, read by upstream-connections.ts. */
const BODILESS = bodilessAnswers(attemptFailed);

function onUpstreamResponseError(this: Tagged<IncomingMessage>): void {
  const exchange = this[EXCHANGE] as Exchange;
  exchange.broken = true;
  exchange.res.destroy();
}

function onUpstreamDrain(this: Tagged<ClientRequest>): void {
  const exchange = this[EXCHANGE] as Exchange;
  if (exchange.upstream === this) exchange.req.resume();
}

function onClientData(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  const exchange = this[EXCHANGE] as Exchange;
  if (exchange.replay !== null) {
    exchange.replayBytes += chunk.length;
    if (exchange.replay === NO_BODY || exchange.replayBytes > exchange.context.replayLimitBytes) exchange.replay = null;
    else exchange.replay.push(chunk);
  }
  const upstream = exchange.upstream;
  if (upstream !== undefined && !upstream.destroyed && !upstream.write(chunk)) this.pause();
}

function onClientEnd(this: Tagged<IncomingMessage>): void {
  const exchange = this[EXCHANGE] as Exchange;
  exchange.bodyEnded = true;
  const upstream = exchange.upstream;
  if (upstream !== undefined && !upstream.destroyed) upstream.end();
}

function onClientError(this: Tagged<IncomingMessage>): void {
  const exchange = this[EXCHANGE] as Exchange;
  exchange.upstream?.destroy();
  exchange.call?.destroy();
}

/** The client connection is done with this exchange: count it and release it. */
function onClientClose(this: Tagged<ServerResponse>): void {
  const exchange = this[EXCHANGE] as Exchange;
  const upstream = exchange.upstream;
  clearTimeout(exchange.connectTimer);
  if (!this.writableFinished && upstream !== undefined && !upstream.destroyed) upstream.destroy();
  if (!this.writableFinished) exchange.call?.destroy();
  // A client that left before any answer says nothing about the release.
  if (exchange.status !== 0) {
    const is5xx = exchange.status >= 500 || exchange.broken;
    recordExchange(exchange.context, exchange.pool, exchange.startedAt, is5xx);
    // what the user met, on the release the request was sent to: a failed attempt
    // answered well by another release is evidence above, not impact here
    exchange.origin.telemetry.recordOutcome(exchange.context.clock.now(), is5xx, exchange.user, exchange.feature);
  }
  exchange.pool.telemetry.pending.delete(exchange);
  exchange.pool.end();
}
