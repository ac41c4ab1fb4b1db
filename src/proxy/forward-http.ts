/**
 * Forwards one HTTP request to an instance of the release it was bound to
 * (issue 3 §3). Bodies stream both ways with backpressure; only the first
 * `replayLimitBytes` of a request body are kept, and only until the upstream
 * answers, so a request whose first attempt never reached the upstream can be
 * sent once more — on the next instance of the SAME release, over a fresh socket.
 * Only when that fails too does the client get a 502, counted as a 5xx of the
 * release.
 *
 * Hot path: listeners are shared module functions that find their exchange
 * through a symbol on the emitter, so a request allocates one Exchange object and
 * what node:http itself needs; nothing is logged.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { endToEnd, upstreamRequestHeaders } from './headers.js';
import { connectTimeoutError, errorCode, isConnectFailure, isRetryable, recordExchange } from './exchange.js';
import type { ForwardContext } from './exchange.js';
import type { Instance, ReleasePool } from './release-pool.js';

const EXCHANGE = Symbol('rewind.exchange');
type Tagged<T> = T & { [EXCHANGE]?: Exchange };

class Exchange {
  upstream: Tagged<ClientRequest> | undefined;
  attempts = 0;
  replay: Buffer[] | null = [];
  replayBytes = 0;
  bodyEnded = false;
  /** status sent to the client; 0 until then */
  status = 0;
  /** the upstream failed after its response started */
  broken = false;
  connectTimer: NodeJS.Timeout | undefined;
  instance: Instance | undefined;
  readonly headers: string[];

  constructor(
    readonly context: ForwardContext,
    readonly pool: ReleasePool,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly startedAt: number,
  ) {
    this.headers = upstreamRequestHeaders(req.rawHeaders, req.socket.remoteAddress, context.encrypted);
  }
}

export function forwardHttp(
  context: ForwardContext,
  pool: ReleasePool,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  pool.begin();
  const exchange = new Exchange(context, pool, req, res, performance.now());
  (req as Tagged<IncomingMessage>)[EXCHANGE] = exchange;
  (res as Tagged<ServerResponse>)[EXCHANGE] = exchange;
  res.on('close', onClientClose);
  req.on('data', onClientData);
  req.on('end', onClientEnd);
  req.on('error', onClientError);
  send(exchange);
}

function send(exchange: Exchange): void {
  const { pool, req, context } = exchange;
  const instance = pool.next(exchange.instance);
  if (instance === undefined) {
    fail(exchange, `release ${pool.revision} has no instances`);
    return;
  }
  exchange.attempts += 1;
  exchange.instance = instance;
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
  if (!socket.connecting) return;
  armConnectTimer(exchange, this, socket);
}

/** A new connection: bound the connect phase only; a slow response is not an error. */
function armConnectTimer(exchange: Exchange, upstream: ClientRequest, socket: Socket): void {
  const ms = exchange.context.connectTimeoutMs;
  exchange.connectTimer = setTimeout(() => upstream.destroy(connectTimeoutError(ms)), ms);
  socket.once('connect', () => clearTimeout(exchange.connectTimer));
}

function onUpstreamError(this: Tagged<ClientRequest>, error: Error): void {
  const exchange = this[EXCHANGE] as Exchange;
  clearTimeout(exchange.connectTimer);
  if (exchange.upstream !== this || exchange.res.destroyed) return;
  if (exchange.status !== 0) {
    exchange.broken = true;
    exchange.res.destroy();
    return;
  }
  const code = errorCode(error);
  if (isConnectFailure(code) && exchange.instance !== undefined) exchange.pool.markDown(exchange.instance);
  if (exchange.attempts === 1 && exchange.replay !== null && isRetryable(code, this.reusedSocket)) {
    send(exchange);
    return;
  }
  fail(exchange, `release ${exchange.pool.revision} is unreachable (${code})`);
}

function fail(exchange: Exchange, reason: string): void {
  const { res } = exchange;
  exchange.replay = null;
  if (res.headersSent) {
    exchange.broken = true;
    res.destroy();
    return;
  }
  exchange.status = 502;
  const body = `502 Bad Gateway: rewind traffic switch: ${reason}\n`;
  res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
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
    if (exchange.replayBytes <= exchange.context.replayLimitBytes) exchange.replay.push(chunk);
    else exchange.replay = null;
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
  (this[EXCHANGE] as Exchange).upstream?.destroy();
}

/** The client connection is done with this exchange: count it and release it. */
function onClientClose(this: Tagged<ServerResponse>): void {
  const exchange = this[EXCHANGE] as Exchange;
  const upstream = exchange.upstream;
  clearTimeout(exchange.connectTimer);
  if (!this.writableFinished && upstream !== undefined && !upstream.destroyed) upstream.destroy();
  // A client that left before any answer says nothing about the release.
  if (exchange.status !== 0) {
    const is5xx = exchange.status >= 500 || exchange.broken;
    recordExchange(exchange.context, exchange.pool, exchange.startedAt, is5xx);
  }
  exchange.pool.end();
}
