/**
 * The SignalSource port (DESIGN.md): read a named signal for a release over a
 * window. A source that cannot answer returns `inconclusive` rather than
 * throwing, so policy can tell "no data" from "healthy".
 */
export interface SignalQuery {
  service: string;
  environment: string;
  revision: number;
  version: string;
  /** the signal's name: errorRate, latencyP95Ms, requestRate, … */
  metric: string;
  /** window end (epoch ms) and length */
  at: number;
  windowMs: number;
  /**
   * Latency metrics only, for sources with `perRequest`: answer the fraction of
   * requests slower than this many ms instead of the percentile
   */
  exceeding?: number;
  /** a cumulative reading for sequential evidence: the window is exact, never widened */
  cumulative?: boolean;
}

export type SignalReading =
  | { status: 'ok'; value: number; samples: number }
  | { status: 'no-data'; samples: number }
  | { status: 'inconclusive'; error: string };

export interface SignalSource {
  readonly name: string;
  /** metrics this source can answer; `*` means any (a query-based provider) */
  readonly metrics: readonly string[];
  /**
   * Counts every request itself (the traffic switch): any window is exact, so
   * cumulative readings and `exceeding` are answered; sequential evidence needs it
   */
  readonly perRequest?: boolean;
  read(query: SignalQuery, signal?: AbortSignal): Promise<SignalReading>;
}

/** One feature's share of what users met (`features:` path patterns; `other` for the rest). */
export interface FeatureUsers {
  name: string;
  usersServed: number;
  usersAffected: number;
  requests: number;
  /** requests of this feature that failed for their user */
  failedRequests: number;
}

/** Distinct users of one release over a window: estimates and how far the truth may be from them. */
export interface UsersReading {
  served: number;
  affected: number;
  /** 0 while counted exactly; else three standard errors of the sketch */
  servedBound: number;
  affectedBound: number;
  features: FeatureUsers[];
}

/** A source that tells users apart (a front door with `users:`) answers who was served and affected. */
export interface UserCountingSource extends SignalSource {
  /** the service's user key, e.g. `header X-User-Id`; null when users are not told apart */
  readonly userKey: string | null;
  users(query: Omit<SignalQuery, 'metric'>): Promise<UsersReading | null>;
}
