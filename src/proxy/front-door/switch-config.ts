/** What the builtin switch's own process is started with (one JSON argument). */
import type { TrafficSwitchOptions } from '../options.js';
import type { FrontDoorPaths } from './files.js';

export interface SwitchProcessConfig {
  service: string;
  host: string;
  port: number;
  /** the switch's options that travel as JSON (no clock) */
  options: Omit<TrafficSwitchOptions, 'clock' | 'host' | 'port'>;
  paths: FrontDoorPaths;
}

/** Messages between the supervisor and its serving worker. */
export type WorkerMessage =
  { type: 'bound' } | { type: 'ready'; port: number } | { type: 'failed'; code: string; message: string };

/** Between a worker whose supervisor died and the successor it forked: the socket, then "serving". */
export type SuccessionMessage = { type: 'listening' } | { type: 'succeeded' };

export interface StartMessage {
  type: 'start';
  config: SwitchProcessConfig;
  restarts: number;
  lastRestartAt: number | null;
}

/** The last weights and servers a front door was given, kept beside its run file. */
export interface SavedWeights {
  releases: Record<string, { host: string; port: number }[]>;
  weights: Record<string, number>;
}
