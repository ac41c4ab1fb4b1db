/** What the builtin switch's own process is started with (one JSON argument). */
import { createHash } from 'node:crypto';
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

/** Messages from the serving worker to its supervisor. */
export type WorkerMessage =
  | { type: 'bound' }
  | { type: 'ready'; port: number }
  | { type: 'failed'; code: string; message: string }
  /** a successor serves on the socket: this worker finishes its requests and exits, and the supervisor with it */
  | { type: 'handed-over' };

/**
 * Between a worker that hands its socket over and the successor supervisor it forked: the socket, then
 * "serving". Part of the hand-over, so it never changes whatever the control protocol becomes.
 */
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

/** Keys sorted at every level, so the same options always give the same text. */
const canonical = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(
        Object.entries(value)
          .filter(([, inner]) => inner !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, inner]) => [key, canonical(inner)]),
      )
    : Array.isArray(value)
      ? value.map(canonical)
      : value;

/** What the run file records of the options a switch was started with (compared, never read back). */
export function optionsDigest(options: SwitchProcessConfig['options']): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(options)))
    .digest('hex')
    .slice(0, 16);
}
