/** Options of the haproxy router, with their defaults. */
import { createServer } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import type { FrontDoorPaths } from '../front-door/files.js';
import type { UserCounting } from '../users/user-identity.js';

export interface HaproxyRouterOptions {
  /** address of the front door; default '127.0.0.1' */
  host?: string;
  /** port of the front door; 0 (the default) picks a free one */
  port?: number;
  /** the haproxy binary; default /usr/sbin/haproxy, else `haproxy` on PATH */
  binary?: string;
  /** time for telemetry buckets and drain deadlines; default the system clock */
  clock?: Clock;
  /** seconds of one-second telemetry kept per release; default 900 */
  retentionSeconds?: number;
  /** `timeout connect`; default 2000 ms */
  connectTimeoutMs?: number;
  /** `timeout server`: no answer started within it is a 504; default 30000 ms */
  upstreamTimeoutMs?: number;
  /** client keep-alive idle timeout; default 5000 ms */
  clientKeepAliveTimeoutMs?: number;
  /** senders whose X-Forwarded-* headers are kept; default none */
  trustForwardedFrom?: string[];
  /** count users and features per release (the same options as the built-in switch); default not */
  users?: UserCounting;
  /** a retired server still busy after this has its sessions shut; default 30000 ms */
  drainTimeoutMs?: number;
  /** how long a change may take until HAProxy's own server state confirms it; default 10000 ms */
  verifyTimeoutMs?: number;
  /**
   * Stable files under the state dir (config, runtime socket, run file): HAProxy
   * then outlives the router (`detach()`), and a later router adopts it. Default:
   * a temporary folder, and `close()` stops HAProxy
   */
  paths?: FrontDoorPaths;
  /** the service whose front door this is, for the run file; default 'service' */
  service?: string;
  /** what the controller should record (adopted, started, restarted) */
  notice?: (kind: 'adopted' | 'started' | 'restarted', message: string, data: Record<string, unknown>) => void;
}

export type ResolvedRouterOptions = Required<
  Omit<HaproxyRouterOptions, 'binary' | 'clock' | 'paths' | 'service' | 'notice' | 'users'>
> &
  Pick<HaproxyRouterOptions, 'binary' | 'clock' | 'paths' | 'notice' | 'users'> & { service: string };

export function resolveRouterOptions(options: HaproxyRouterOptions): ResolvedRouterOptions {
  const whole = (name: string, value: number | undefined, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min)
      throw badRequest(`haproxy router option ${name} must be an integer ≥ ${min} (got ${String(value)})`);
    return value;
  };
  const port = whole('port', options.port, 0, 0);
  if (port > 65535) throw badRequest(`haproxy router option port must be 0–65535 (got ${port})`);
  return {
    host: options.host ?? '127.0.0.1',
    port,
    ...(options.binary !== undefined ? { binary: options.binary } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    retentionSeconds: whole('retentionSeconds', options.retentionSeconds, 900),
    connectTimeoutMs: whole('connectTimeoutMs', options.connectTimeoutMs, 2000),
    upstreamTimeoutMs: whole('upstreamTimeoutMs', options.upstreamTimeoutMs, 30_000),
    clientKeepAliveTimeoutMs: whole('clientKeepAliveTimeoutMs', options.clientKeepAliveTimeoutMs, 5000),
    trustForwardedFrom: options.trustForwardedFrom ?? [],
    drainTimeoutMs: whole('drainTimeoutMs', options.drainTimeoutMs, 30_000),
    verifyTimeoutMs: whole('verifyTimeoutMs', options.verifyTimeoutMs, 10_000),
    ...(options.paths !== undefined ? { paths: options.paths } : {}),
    ...(options.notice !== undefined ? { notice: options.notice } : {}),
    ...(options.users !== undefined ? { users: options.users } : {}),
    service: options.service ?? 'service',
  };
}

/** A port free on `host` right now: HAProxy needs a concrete one in its config. */
export function freeLocalPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
