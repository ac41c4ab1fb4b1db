/**
 * The traffic switch's contract, shared by the proxy and the local
 * driver. The switch fronts one service: each release (by revision) has a pool of
 * upstream instances and a weight; weights change atomically.
 */
import type { UsersReading } from './users/release-users.js';
import type { UserMetric } from './users/user-metrics.js';

export interface Upstream {
  host: string;
  port: number;
}

/** Metrics the switch computes per release from its one-second buckets. */
export type ProxyMetric =
  | 'errorRate'
  | 'latencyP95Ms'
  | 'latencyP99Ms'
  | 'requestRate'
  | 'consecutive5xx'
  | 'requests'
  | 'errors5xx'
  | UserMetric;

export interface MetricValue {
  value: number;
  /** requests that contributed to the value */
  samples: number;
}

export interface TelemetryReader {
  /** a metric of one release over [at - windowMs, at) */
  read(revision: number, metric: ProxyMetric, at: number, windowMs: number): MetricValue;
  /**
   * The fraction of one release's requests over [at - windowMs, at) slower than
   * `thresholdMs`, requests in flight longer than that included: the per-request
   * evidence a sequential latency trigger counts
   */
  fractionAbove(revision: number, thresholdMs: number, at: number, windowMs: number): MetricValue;
  /**
   * Distinct users of one release over [at - windowMs, at) (whole ten-second
   * buckets), per feature too; null when the release is not known
   */
  users?(revision: number, at: number, windowMs: number): UsersReading | null;
  /** per-second rows of one release, for recording signals */
  seconds(
    revision: number,
    from: number,
    to: number,
  ): { at: number; requests: number; errors5xx: number; latencyP95Ms: number }[];
}

export interface TrafficSwitch {
  /** starts listening; resolves with the bound address */
  listen(): Promise<Upstream>;
  /** sets or replaces the pool of a release */
  setUpstreams(revision: number, upstreams: Upstream[]): void;
  removeRelease(revision: number): void;
  /** revision → percent; replaces all weights at once; releases not named get 0 */
  setWeights(weights: Record<number, number>): void;
  weights(): Record<number, number>;
  /** requests in flight on a release */
  inFlight(revision: number): number;
  /** resolves when the release has no request in flight (or after timeoutMs) */
  drain(revision: number, timeoutMs: number): Promise<boolean>;
  readonly telemetry: TelemetryReader;
  /**
   * Resolves once every change asked for so far is in effect; routers that apply
   * changes asynchronously (HAProxy's runtime API) have it, the built-in switch
   * applies them at once
   */
  settled?(): Promise<void>;
  close(): Promise<void>;
}
