/**
 * One release's side of the switch: its upstream instances with a
 * round-robin cursor, a keep-alive agent of its own, the count of requests in
 * flight on it and the `drain` waiters, and its telemetry ring.
 *
 * An instance that refused a connection is skipped for `coolDownMs` (passive
 * health) so a killed instance costs one retry, not one per round-robin turn;
 * when every instance is cooling down they are all tried anyway.
 */
import { Agent } from 'node:http';
import { badRequest } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Upstream } from './types.js';
import type { ReleaseTelemetry } from './telemetry.js';
import { UpstreamConnections } from './upstream-connections.js';

export interface PoolAgentOptions {
  /** sockets kept open per instance; default 256 */
  maxSockets: number;
  /** idle keep-alive sockets closed after this; default 4000 ms (below Node servers' 5 s) */
  idleTimeoutMs: number;
}

export interface Instance {
  readonly host: string;
  readonly port: number;
  downUntil: number;
  /** keep-alive connections for bodiless requests (the agent serves the others) */
  readonly connections: UpstreamConnections;
}

export class ReleasePool {
  readonly agent: Agent;
  private instances: Instance[] = [];
  private cursor = 0;
  inFlight = 0;
  /** removed from the switch: close once the last request ends */
  retired = false;
  /** called once when the pool is closed (the switch frees its telemetry then) */
  onClose: (() => void) | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    readonly revision: number,
    readonly telemetry: ReleaseTelemetry,
    private readonly agentOptions: PoolAgentOptions,
    private readonly clock: Clock,
    private readonly coolDownMs: number,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: agentOptions.maxSockets,
      maxFreeSockets: agentOptions.maxSockets,
      timeout: agentOptions.idleTimeoutMs,
      scheduling: 'lifo',
    });
  }

  setUpstreams(upstreams: Upstream[]): void {
    if (!Array.isArray(upstreams))
      throw badRequest(`upstreams of revision ${this.revision} must be a list of { host, port }`);
    const checked = upstreams.map((upstream, index) => {
      const { host, port } = upstream ?? {};
      if (typeof host !== 'string' || host === '')
        throw badRequest(`upstream ${index} of revision ${this.revision} needs a host`);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw badRequest(`upstream ${index} of revision ${this.revision} has port ${String(port)}; expected 1–65535`);
      return { host, port };
    });
    const before = new Map(this.instances.map((instance) => [`${instance.host}:${instance.port}`, instance]));
    this.instances = checked.map(({ host, port }) => {
      const kept = before.get(`${host}:${port}`);
      before.delete(`${host}:${port}`);
      if (kept !== undefined) return kept;
      const { maxSockets, idleTimeoutMs } = this.agentOptions;
      return { host, port, downUntil: 0, connections: new UpstreamConnections(host, port, maxSockets, idleTimeoutMs) };
    });
    for (const gone of before.values()) gone.connections.destroy();
  }

  get size(): number {
    return this.instances.length;
  }

  /**
   * Next instance by round robin, skipping instances cooling down and, when the
   * pool has another, `avoid` (the instance a retry just failed on); undefined
   * when the pool is empty.
   */
  next(avoid?: Instance): Instance | undefined {
    const count = this.instances.length;
    if (count === 0) return undefined;
    const now = count > 1 ? this.clock.now() : 0;
    for (let tried = 0; tried < count; tried += 1) {
      const instance = this.instances[this.cursor % count] as Instance;
      this.cursor = (this.cursor + 1) % count;
      if (instance.downUntil <= now && instance !== avoid) return instance;
    }
    // Every instance is cooling down: try one anyway rather than refuse.
    const instance = this.instances[this.cursor] as Instance;
    this.cursor = (this.cursor + 1) % count;
    if (instance !== avoid || count === 1) return instance;
    const other = this.instances[this.cursor] as Instance;
    this.cursor = (this.cursor + 1) % count;
    return other;
  }

  /** An instance other than `avoid` that is not cooling down, or undefined. */
  nextOther(avoid: Instance | undefined): Instance | undefined {
    const count = this.instances.length;
    if (count < 2) return undefined;
    const now = this.clock.now();
    for (let tried = 0; tried < count; tried += 1) {
      const instance = this.instances[this.cursor % count] as Instance;
      this.cursor = (this.cursor + 1) % count;
      if (instance.downUntil <= now && instance !== avoid) return instance;
    }
    return undefined;
  }

  /** A refused connection: skip this instance for a while. */
  markDown(instance: Instance): void {
    instance.downUntil = this.clock.now() + this.coolDownMs;
  }

  begin(): void {
    this.inFlight += 1;
  }

  end(): void {
    this.inFlight -= 1;
    if (this.inFlight > 0) return;
    const waiters = this.waiters;
    if (waiters.length > 0) {
      this.waiters = [];
      for (const wake of waiters) wake();
    }
    if (this.retired) this.close();
  }

  /** Resolves true when nothing is in flight, false when `timeoutMs` passes first. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const abort = new AbortController();
      const wake = (): void => {
        abort.abort();
        resolve(true);
      };
      this.waiters.push(wake);
      this.clock.sleep(timeoutMs, abort.signal).then(
        () => {
          this.waiters = this.waiters.filter((waiter) => waiter !== wake);
          resolve(false);
        },
        () => undefined,
      );
    });
  }

  close(): void {
    // In-flight requests fail when their sockets go; their end() wakes drain().
    this.agent.destroy();
    for (const instance of this.instances) instance.connections.destroy();
    const onClose = this.onClose;
    this.onClose = undefined;
    onClose?.();
  }
}
