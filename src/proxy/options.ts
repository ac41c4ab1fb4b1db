/**
 * Options of the built-in traffic switch (issue 3 §3), with their defaults and
 * the checks that turn a bad value into a clear UserError.
 */
import { badRequest } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';

export interface TrafficSwitchOptions {
  /** address to listen on; default '127.0.0.1' */
  host?: string;
  /** port to listen on; 0 (the default) picks a free one, see `listen()` */
  port?: number;
  /** time for telemetry buckets, instance cool-down and drain timeouts; default the system clock */
  clock?: Clock;
  /** seconds of one-second telemetry kept per release; default 900 (15 min) */
  retentionSeconds?: number;
  /** a connection to an upstream not accepted within this fails (and is retried once); default 2000 ms */
  connectTimeoutMs?: number;
  /** an instance that refused a connection is skipped this long; default 2000 ms */
  instanceCoolDownMs?: number;
  /** request body bytes kept so a failed first attempt can be replayed; default 65536 */
  replayLimitBytes?: number;
  /** keep-alive sockets per upstream instance; default 256 */
  maxSocketsPerInstance?: number;
  /** idle keep-alive sockets to upstreams are closed after this; default 4000 ms */
  upstreamIdleTimeoutMs?: number;
  /** client keep-alive idle timeout of the switch's own server; default 5000 ms (Node's) */
  clientKeepAliveTimeoutMs?: number;
}

export type ResolvedOptions = Required<TrafficSwitchOptions>;

function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    throw badRequest(`traffic switch option ${name} must be an integer ≥ ${min} (got ${String(value)})`);
  return value;
}

export function resolveOptions(options: TrafficSwitchOptions = {}): ResolvedOptions {
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '')
    throw badRequest('traffic switch option host must be a non-empty address');
  const port = positiveInteger('port', options.port, 0, 0);
  if (port > 65535) throw badRequest(`traffic switch option port must be 0–65535 (got ${port})`);
  return {
    host,
    port,
    clock: options.clock ?? systemClock,
    retentionSeconds: positiveInteger('retentionSeconds', options.retentionSeconds, 900),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs, 2000),
    instanceCoolDownMs: positiveInteger('instanceCoolDownMs', options.instanceCoolDownMs, 2000, 0),
    replayLimitBytes: positiveInteger('replayLimitBytes', options.replayLimitBytes, 64 * 1024, 0),
    maxSocketsPerInstance: positiveInteger('maxSocketsPerInstance', options.maxSocketsPerInstance, 256),
    upstreamIdleTimeoutMs: positiveInteger('upstreamIdleTimeoutMs', options.upstreamIdleTimeoutMs, 4000),
    clientKeepAliveTimeoutMs: positiveInteger('clientKeepAliveTimeoutMs', options.clientKeepAliveTimeoutMs, 5000),
  };
}
