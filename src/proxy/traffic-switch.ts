/**
 * Rewind's built-in traffic switch: an HTTP/1.1 reverse proxy in
 * front of one service whose releases each have a pool of instances. Each request
 * is bound on arrival to the release the weight table picks and finishes there,
 * whatever the weights do meanwhile; that is what lets a rollback shift traffic
 * and then `drain` the bad release without dropping a request.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { badRequest } from '../core/errors.js';
import type { TrafficSwitch, Upstream } from './types.js';
import { resolveOptions } from './options.js';
import type { TrafficSwitchOptions } from './options.js';
import { WeightTable } from './weight-table.js';
import { ReleasePool } from './release-pool.js';
import { createTelemetryStore } from './telemetry.js';
import type { TelemetryStore } from './telemetry.js';
import type { ForwardContext } from './exchange.js';
import { forwardHttp } from './forward-http.js';
import { closeGracefully } from './graceful-close.js';
import { expireUnanswered } from './http-exchange.js';
import { forwardUpgrade } from './forward-upgrade.js';
import type { OpenSockets } from './forward-upgrade.js';
import { userCountingParts } from './users/counting-parts.js';

const NO_RELEASE_BODY =
  '503 Service Unavailable: rewind traffic switch: no release of this service has traffic weight > 0\n';

function checkRevision(revision: number): void {
  if (!Number.isInteger(revision) || revision < 0)
    throw badRequest(`revision must be a non-negative integer (got ${String(revision)})`);
}

/** The in-process switch: it can also listen on a socket handed over by a supervisor, and shows its telemetry rings. */
export interface LocalTrafficSwitch extends TrafficSwitch {
  /** listens on `handle` (a listening socket another process bound) instead of host:port */
  listen(handle?: object): Promise<Upstream>;
  readonly store: TelemetryStore;
  /** the listening socket's handle, to hand to a supervisor that keeps it across restarts; undefined before listen */
  listeningHandle(): object | undefined;
  /** stops listening here (another process serves the socket on) once its connections end, at most `graceMs` */
  stopListening(graceMs: number): Promise<void>;
}

export function createTrafficSwitch(options: TrafficSwitchOptions = {}): LocalTrafficSwitch {
  const resolved = resolveOptions(options);
  const { clock } = resolved;
  const users = userCountingParts(resolved.users);
  const telemetry = createTelemetryStore(resolved.retentionSeconds, users.names);
  const pools = new Map<number, ReleasePool>();
  /** pools removed while requests were still in flight on them */
  const retired = new Map<number, ReleasePool>();
  const open: OpenSockets = new Set<Duplex>();
  const freshAgent = new Agent({ keepAlive: false });
  // The one mutable reference to the weights: replaced whole, never edited.
  let table = WeightTable.empty;
  let closed: Promise<void> | undefined;

  /**
   * Where a request `failed` could not answer may go: a release with weight, else
   * the newest warm release older than `failed` (the previous one, kept warm for
   * this). A newer release at weight 0 is one traffic was just taken away from,
   * usually because it is bad: never a fallback.
   */
  const fallback = (failed: ReleasePool): ReleasePool | undefined => {
    let warm: ReleasePool | undefined;
    for (const pool of pools.values()) {
      if (pool === failed || pool.size === 0) continue;
      if ((table.weights[pool.revision] ?? 0) > 0) return pool;
      if (pool.revision < failed.revision && (warm === undefined || pool.revision > warm.revision)) warm = pool;
    }
    return warm;
  };
  const context: ForwardContext = {
    clock,
    freshAgent,
    connectTimeoutMs: resolved.connectTimeoutMs,
    replayLimitBytes: resolved.replayLimitBytes,
    encrypted: false,
    upstreamTimeoutMs: resolved.upstreamTimeoutMs,
    trusted: resolved.trusted,
    identify: users.identify,
    featureOf: users.featureOf,
    fallback,
  };

  const choose = (): ReleasePool | undefined => {
    const revision = table.pick();
    return revision < 0 ? undefined : pools.get(revision);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const pool = choose();
    if (pool === undefined) {
      res.writeHead(503, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(NO_RELEASE_BODY),
        'retry-after': '1',
      });
      res.end(NO_RELEASE_BODY);
      return;
    }
    forwardHttp(context, pool, req, res);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pool = choose();
    if (pool === undefined) {
      socket.on('error', () => undefined);
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(NO_RELEASE_BODY)}\r\nconnection: close\r\n\r\n${NO_RELEASE_BODY}`,
      );
      return;
    }
    forwardUpgrade(context, pool, req, socket, head, open);
  };

  // Requests without an answer after upstreamTimeout become 504s; checked a
  // twentieth of the timeout apart (at most 1 s), so the 504 comes that much late at most.
  const sweepMs = Math.min(1000, Math.max(10, Math.floor(resolved.upstreamTimeoutMs / 20)));
  const sweep = setInterval(() => {
    for (const pool of pools.values()) expireUnanswered(pool.telemetry.pending, resolved.upstreamTimeoutMs);
    for (const pool of retired.values()) expireUnanswered(pool.telemetry.pending, resolved.upstreamTimeoutMs);
  }, sweepMs);
  sweep.unref();

  const server = createServer({ keepAliveTimeout: resolved.clientKeepAliveTimeoutMs }, onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  const poolOf = (revision: number): ReleasePool | undefined => pools.get(revision) ?? retired.get(revision);

  return {
    store: telemetry,

    listeningHandle: () => (server as unknown as { _handle?: object | null })._handle ?? undefined,

    stopListening: (graceMs) => closeGracefully(server, graceMs),

    listen(handle?: object) {
      if (closed !== undefined) return Promise.reject(badRequest('traffic switch is closed; create a new one'));
      if (server.listening) return Promise.resolve(address());
      return new Promise<Upstream>((resolve, reject) => {
        server.once('error', reject);
        const done = (): void => {
          server.off('error', reject);
          resolve(address());
        };
        if (handle !== undefined) server.listen(handle, done);
        else server.listen(resolved.port, resolved.host, done);
      });
    },

    setUpstreams(revision, upstreams) {
      checkRevision(revision);
      let pool = pools.get(revision);
      if (pool === undefined) {
        pool =
          retired.get(revision) ??
          new ReleasePool(
            revision,
            telemetry.forRelease(revision),
            { maxSockets: resolved.maxSocketsPerInstance, idleTimeoutMs: resolved.upstreamIdleTimeoutMs },
            clock,
            resolved.instanceCoolDownMs,
          );
        pool.setUpstreams(upstreams);
        pool.retired = false;
        pool.onClose = undefined;
        retired.delete(revision);
        pools.set(revision, pool);
        return;
      }
      pool.setUpstreams(upstreams);
    },

    removeRelease(revision) {
      const pool = pools.get(revision);
      table = table.without(revision);
      if (pool === undefined) return;
      pools.delete(revision);
      // Requests in flight finish on it; the agent and the telemetry go with the
      // last one, so a controller that deploys all year does not grow.
      pool.onClose = () => {
        if (retired.get(revision) === pool) retired.delete(revision);
        if (!pools.has(revision)) telemetry.forget(revision);
      };
      if (pool.inFlight === 0) pool.close();
      else {
        pool.retired = true;
        retired.set(revision, pool);
      }
    },

    setWeights(weights) {
      table = WeightTable.from(weights, (revision) => (pools.get(revision)?.size ?? 0) > 0);
    },

    weights() {
      return { ...table.weights };
    },

    inFlight(revision) {
      return poolOf(revision)?.inFlight ?? 0;
    },

    drain(revision, timeoutMs) {
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
        return Promise.reject(badRequest(`drain timeout must be ≥ 0 ms (got ${String(timeoutMs)})`));
      return poolOf(revision)?.drain(timeoutMs) ?? Promise.resolve(true);
    },

    telemetry: telemetry.reader,

    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(sweep);
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of open) socket.destroy();
        open.clear();
        for (const pool of [...pools.values(), ...retired.values()]) pool.close();
        freshAgent.destroy();
      });
      return closed;
    },
  };

  function address(): Upstream {
    const bound = server.address() as AddressInfo;
    return { host: bound.address, port: bound.port };
  }
}
