/**
 * State shared by the HTTP and upgrade forwarding paths: when a failed attempt
 * may be sent again ("no request dropped by the switch itself", but never a
 * request run twice), and how a finished exchange is counted in the release's
 * telemetry.
 */
import type { Agent } from 'node:http';
import type { BlockList } from 'node:net';
import type { Clock } from '../core/clock.js';
import { bucketIndex } from './latency-histogram.js';
import type { ReleasePool } from './release-pool.js';

/** What forwarding needs from the switch; built once, shared by every request. */
export interface ForwardContext {
  clock: Clock;
  /** a non-keep-alive agent: the retry always gets a fresh connection */
  freshAgent: Agent;
  connectTimeoutMs: number;
  /** request body bytes kept for a retry; beyond this a failed request is not retried */
  replayLimitBytes: number;
  /** the switch listens with TLS (for X-Forwarded-Proto) */
  encrypted: boolean;
  /** an answer not started within this becomes a 504 */
  upstreamTimeoutMs: number;
  /** senders whose X-Forwarded-* are believed; undefined: nobody */
  trusted: BlockList | undefined;
  /** who the request's user is (hashed) and its feature; undefined when users are not counted */
  identify: ((raw: readonly string[], address: string | undefined, trusted: boolean) => number) | undefined;
  /** the request path → index of its feature (0 when there are no features) */
  featureOf: (url: string | undefined) => number;
  /** another release that can take a request `failed` could not answer: one with weight, else a warm one */
  fallback(failed: ReleasePool): ReleasePool | undefined;
}

/** Errors raised while connecting: nothing reached the upstream. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNTIMEOUT',
]);
/** RFC 9110 §9.2.2: sending these twice has the effect of sending them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

export function isConnectFailure(code: string): boolean {
  return CONNECT_FAILURES.has(code);
}

export function isIdempotent(method: string | undefined): boolean {
  return method !== undefined && IDEMPOTENT.has(method);
}

/**
 * Whether a request that failed before any answer may be sent again: always when
 * the upstream cannot have acted on it (the connection never opened, or not one
 * byte of the request left this process), otherwise only for idempotent methods.
 * A reset on a reused keep-alive socket is NOT proof: the upstream may have read
 * the request and died working on it, so a POST is not sent twice. A request
 * that ran out of `upstreamTimeout` is never retried: the next try would hang too.
 */
export function mayRetry(code: string, unsent: boolean, idempotent: boolean): boolean {
  if (code === 'EUPSTREAMTIMEOUT') return false;
  return CONNECT_FAILURES.has(code) || unsent || idempotent;
}

/** The retry rule of protocol upgrades: only when nothing reached the upstream. */
export function isRetryable(code: string): boolean {
  return CONNECT_FAILURES.has(code);
}

export function upstreamTimeoutError(ms: number): Error {
  return Object.assign(new Error(`upstream did not answer within ${ms} ms`), { code: 'EUPSTREAMTIMEOUT' });
}

export function connectTimeoutError(ms: number): Error {
  return Object.assign(new Error(`upstream did not accept the connection within ${ms} ms`), { code: 'ECONNTIMEOUT' });
}

/** Counts one finished exchange of `pool` (hot path: no allocation). */
export function recordExchange(context: ForwardContext, pool: ReleasePool, startedAt: number, is5xx: boolean): void {
  pool.telemetry.record(context.clock.now(), bucketIndex(performance.now() - startedAt), is5xx);
}
