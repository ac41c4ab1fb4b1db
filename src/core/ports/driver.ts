import type { Release } from '../model.js';
import type { SignalSource } from './signal-source.js';

/** What a driver sees of one release running on the platform. */
export interface LiveRelease {
  revision: number;
  version: string;
  /** share of traffic, 0–100 */
  weight: number;
  /** instances running / wanted */
  ready: number;
  desired: number;
  healthy: boolean;
}

export interface LiveState {
  service: string;
  environment: string;
  releases: LiveRelease[];
  /** true when the platform reports state; false when the driver can only act */
  observed: boolean;
  /** an overall health answer when the platform gives no per-release detail */
  healthy?: boolean;
}

/** revision → percent; the percents add up to 100. */
export type Weights = Record<number, number>;

export interface DriverCallOptions {
  signal?: AbortSignal;
  /** receives output lines (already redacted) for the journal */
  log?: (line: string) => void;
  /** told the process group of every command the call starts, so a crashed attempt's orphan can be found */
  onProcess?: (processGroup: number) => void;
}

/**
 * The Driver port (DESIGN.md). Every call is idempotent: calling it twice leaves
 * the same state. Capabilities are flags, never `if (type === …)` elsewhere.
 */
export interface Driver {
  readonly type: string;
  readonly capabilities: {
    /** `describe` reports health, so await-healthy can check it */
    health: boolean;
    /** the driver owns processes: actions need a long-lived controller */
    needsOwner: boolean;
    /** the platform has its own undo (`kubectl rollout undo`, a command) */
    nativeUndo: boolean;
  };
  describe(service: string, environment: string, options?: DriverCallOptions): Promise<LiveState>;
  start(release: Release, options?: DriverCallOptions): Promise<string>;
  shiftTraffic(
    service: string,
    environment: string,
    weights: Weights,
    releases: Release[],
    options?: DriverCallOptions,
  ): Promise<string>;
  retire(release: Release, options?: DriverCallOptions): Promise<string>;
  undo?(service: string, environment: string, to: Release, options?: DriverCallOptions): Promise<string>;
  /** signals the platform measures itself (the local driver: traffic switch telemetry, probes, processes) */
  signals?(service: string, environment: string): SignalSource;
  /** release resources (stop watchers, not the service's processes unless asked) */
  close?(): Promise<void>;
}
