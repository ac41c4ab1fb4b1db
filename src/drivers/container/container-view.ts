/**
 * One container as the driver sees it at each poll: the engine's state, exit
 * code, restart count and OOM kill, its health probe on the published port and,
 * when the service counts it, the image's HEALTHCHECK. Ready needs the probe's
 * ready and a healthy HEALTHCHECK; an unhealthy one makes the container not live.
 */
import type { InstanceProbeLike } from '../local/options.js';
import type { ContainerInspectLike } from './engine-like.js';
import type { ImageHealth, ImageHealthReading } from './image-health.js';

export interface ContainerView {
  index: number;
  id: string;
  name: string;
  /** where the front door reaches it: 127.0.0.1 and the published port, or its address on the engine's network */
  host: string;
  /** 0 until the engine has published it */
  port: number;
  /** engine state: running, exited, restarting, created… */
  state: string;
  exitCode: number;
  restarts: number;
  oomKilled: boolean;
  /** the image's HEALTHCHECK; null when the image has none or the service does not count it */
  health: ImageHealth;
  ready: boolean;
  live: boolean;
  consecutiveFailures: number;
  lastError: string | null;
}

export const newView = (index: number, id: string, name: string): ContainerView => ({
  index,
  id,
  name,
  host: '127.0.0.1',
  port: 0,
  state: 'created',
  exitCode: 0,
  restarts: 0,
  oomKilled: false,
  health: null,
  ready: false,
  live: false,
  consecutiveFailures: 0,
  lastError: null,
});

/** The engine's side of a view from inspect (or `removed`/`unknown` when inspect failed). */
export function engineView(
  view: ContainerView,
  info: ContainerInspectLike | null,
  reach: { host: string; port: number },
  missing: boolean,
): ContainerView {
  if (!info) return { ...view, state: missing ? 'removed' : 'unknown' };
  return {
    ...view,
    ...reach,
    state: info.State.Status,
    // the last failure's code stays readable after the engine restarted the container
    exitCode: info.State.ExitCode !== 0 ? info.State.ExitCode : view.exitCode,
    restarts: info.RestartCount,
    oomKilled: view.oomKilled || info.State.OOMKilled,
  };
}

/** Ready, live and the last error from the probe and the image's HEALTHCHECK (null: not counted). */
export function healthView(
  view: ContainerView,
  probe: ReturnType<InstanceProbeLike['state']> | undefined,
  image: ImageHealthReading | null,
): ContainerView {
  const running = view.state === 'running';
  const health = running ? (image?.status ?? null) : null;
  const unhealthy = health === 'unhealthy';
  let lastError = running ? (probe?.lastError ?? null) : `container ${view.state} (exit ${view.exitCode})`;
  if (unhealthy)
    lastError = `image HEALTHCHECK unhealthy after ${image?.failingStreak ?? 0} failed checks${image?.lastFailure ? ` (${image.lastFailure})` : ''}`;
  return {
    ...view,
    health,
    ready: running && (probe?.ready ?? false) && (health === null || health === 'healthy'),
    live: running && (probe?.live ?? false) && !unhealthy,
    consecutiveFailures: Math.max(probe?.consecutiveFailures ?? 0, unhealthy ? (image?.failingStreak ?? 0) : 0),
    lastError,
  };
}
