/**
 * State shared by the HTTP and upgrade forwarding paths: which errors mean the
 * upstream never got the request (so one retry on the same release is safe,
 * issue 3 §3 "no request dropped by the switch itself"), and how a finished
 * exchange is counted in the release's telemetry.
 */
import type { Agent } from 'node:http';
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
/** Errors of a reused keep-alive socket the upstream closed while it sat idle. */
const STALE_SOCKET_FAILURES = new Set(['ECONNRESET', 'EPIPE']);

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

export function isConnectFailure(code: string): boolean {
  return CONNECT_FAILURES.has(code);
}

/** True when a failed attempt provably delivered nothing the upstream acted on. */
export function isRetryable(code: string, reusedSocket: boolean): boolean {
  return CONNECT_FAILURES.has(code) || (reusedSocket && STALE_SOCKET_FAILURES.has(code));
}

export function connectTimeoutError(ms: number): Error {
  return Object.assign(new Error(`upstream did not accept the connection within ${ms} ms`), { code: 'ECONNTIMEOUT' });
}

/** Counts one finished exchange of `pool` (hot path: no allocation). */
export function recordExchange(context: ForwardContext, pool: ReleasePool, startedAt: number, is5xx: boolean): void {
  pool.telemetry.record(context.clock.now(), bucketIndex(performance.now() - startedAt), is5xx);
}
