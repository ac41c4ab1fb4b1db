/**
 * Options of the built-in traffic switch, with their defaults and
 * the checks that turn a bad value into a clear UserError.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { badRequest } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { UserCounting } from './users/user-identity.js';

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
  /**
   * An upstream that has not started its answer this long after the request was
   * sent is abandoned: the client gets 504 and the release an error; default 30000 ms
   */
  upstreamTimeoutMs?: number;
  /**
   * Senders (addresses or CIDR blocks, IPv4 or IPv6) whose X-Forwarded-* and
   * Forwarded headers are kept, e.g. a load balancer in front; from anyone else
   * they are replaced, so a client cannot choose the address the upstream sees.
   * Default: none
   */
  trustForwardedFrom?: string[];
  /**
   * Count distinct users served and affected per release and feature: the
   * service's user key, its features and the project's secret the ids are
   * hashed with. Default: not counted (requests are, per feature `other`)
   */
  users?: UserCounting;
}

export type ResolvedOptions = Required<Omit<TrafficSwitchOptions, 'trustForwardedFrom' | 'users'>> & {
  users: UserCounting | undefined;
  /** undefined when nobody is trusted */
  trusted: BlockList | undefined;
};

/** Parses `trustForwardedFrom` into a BlockList; a bad entry is a UserError naming it. */
function trustList(entries: string[] | undefined): BlockList | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = String(entry).split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = family === 'ipv4' ? 32 : 128;
    if (family === undefined || (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > max))) {
      throw badRequest(
        `traffic switch option trustForwardedFrom: "${String(entry)}" is not an address or CIDR block like 10.0.0.0/8`,
      );
    }
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  }
  return list;
}

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
    upstreamTimeoutMs: positiveInteger('upstreamTimeoutMs', options.upstreamTimeoutMs, 30_000),
    trusted: trustList(options.trustForwardedFrom),
    users: options.users,
  };
}
