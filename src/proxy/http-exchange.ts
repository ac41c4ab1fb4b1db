/**
 * The state of one forwarded HTTP request, shared by forward-http.ts's listeners
 * (which find it through a symbol on the emitters) and the switch's sweep of
 * unanswered requests.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { ForwardContext } from './exchange.js';
import { isIdempotent, upstreamTimeoutError } from './exchange.js';
import { hasBody, isTrusted, upstreamRequestHeaders } from './headers.js';
import type { Instance, ReleasePool } from './release-pool.js';
import type { UpstreamCall } from './upstream-connections.js';

export const EXCHANGE = Symbol('rewind.exchange');
export type Tagged<T> = T & { [EXCHANGE]?: Exchange };
/** the replay buffer of a request without a body: shared, never written */
export const NO_BODY: Buffer[] = [];
/** first try, another instance or a fresh socket, another release */
export const MAX_ATTEMPTS = 3;

/** One request on its way through the switch: what forwarding and retries need to know. */
export class Exchange {
  /** the attempt in progress through Node's client (requests with a body) … */
  upstream: Tagged<ClientRequest> | undefined;
  /** … or on the switch's own connections (bodiless requests) */
  call: UpstreamCall<Exchange> | undefined;
  attempts = 0;
  /** a retry already moved this request to another release */
  movedRelease = false;
  replay: Buffer[] | null;
  replayBytes = 0;
  bodyEnded = false;
  /** status sent to the client; 0 until then */
  status = 0;
  /** the upstream failed after its response started */
  broken = false;
  /** socket.bytesWritten when this attempt got its socket: unchanged means nothing was sent */
  writtenBefore = -1;
  connectTimer: NodeJS.Timeout | undefined;
  instance: Instance | undefined;
  readonly idempotent: boolean;
  readonly headers: string[];
  /** the request head as sent upstream, built on the first bodiless attempt */
  head: string | undefined;
  /** the release first chosen: what the user met is counted on it, whichever release answered */
  readonly origin: ReleasePool;
  /** the user's keyed hash (-1: none) and the request's feature index */
  readonly user: number;
  readonly feature: number;

  constructor(
    readonly context: ForwardContext,
    public pool: ReleasePool,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** when the release now serving it got the request (a move to another release restarts it) */
    public startedAt: number,
  ) {
    const address = req.socket.remoteAddress;
    const trusted = isTrusted(context.trusted, address);
    this.headers = upstreamRequestHeaders(req.rawHeaders, address, context.encrypted, false, trusted);
    this.origin = pool;
    this.user = context.identify === undefined ? -1 : context.identify(req.rawHeaders, address, trusted);
    this.feature = context.featureOf(req.url);
    this.idempotent = isIdempotent(req.method);
    this.replay = hasBody(req.rawHeaders) ? [] : NO_BODY;
  }
}

/**
 * Ends every exchange of `pending` still without an answer after `timeoutMs`
 * with a 504. One sweep per switch replaces a timer per request (hot path).
 */
export function expireUnanswered(pending: Iterable<{ readonly startedAt: number }>, timeoutMs: number): void {
  const now = performance.now();
  for (const entry of pending) {
    const exchange = entry as Exchange;
    if (exchange.status !== 0 || now - exchange.startedAt < timeoutMs) continue;
    exchange.upstream?.destroy(upstreamTimeoutError(timeoutMs));
    exchange.call?.destroy(upstreamTimeoutError(timeoutMs));
  }
}
