/**
 * The image's HEALTHCHECK, when a service counts it (`imageHealthcheck: true`).
 * Docker Engine runs each container's HEALTHCHECK on its own timer and reports
 * `State.Health` in inspect. Podman runs it from systemd timers, which a host
 * without systemd lacks; there the state stays `starting` unless someone runs a
 * check, so on Podman the driver runs one (libpod's
 * `GET /v4.0.0/libpod/containers/{id}/healthcheck`) at most once per the check's
 * interval. Which engine it is, is asked once: Docker answers 404 to libpod paths.
 */
import type { Clock } from '../../core/clock.js';
import { statusOf, type ContainerInspectLike, type DockerLike } from './engine-like.js';

/** The state a container's image HEALTHCHECK is in; null when the image has none. */
export type ImageHealth = 'starting' | 'healthy' | 'unhealthy' | null;

export interface ImageHealthReading {
  status: ImageHealth;
  /** consecutive failed checks */
  failingStreak: number;
  /** the last check's exit code and output, when it failed */
  lastFailure: string | null;
}

/** libpod serves its container routes only under a version (its `_ping` also without); 4.0.0 is the oldest Podman 4 API */
const LIBPOD = 'v4.0.0';

const hasCheck = (info: ContainerInspectLike): boolean => {
  const test = info.Config.Healthcheck?.Test ?? [];
  return test.length > 0 && test[0] !== 'NONE';
};

/** What inspect says of the HEALTHCHECK. */
export function readImageHealth(info: ContainerInspectLike): ImageHealthReading {
  const health = info.State.Health;
  if (!health || !hasCheck(info)) return { status: null, failingStreak: 0, lastFailure: null };
  const status = (['starting', 'healthy', 'unhealthy'] as const).find((s) => s === health.Status) ?? 'starting';
  const last = health.Log?.at(-1);
  const lastFailure =
    last && last.ExitCode !== 0
      ? `exit code ${last.ExitCode}${last.Output.trim() ? `: ${last.Output.trim()}` : ''}`
      : null;
  return { status, failingStreak: health.FailingStreak ?? 0, lastFailure };
}

function dial(engine: DockerLike, path: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    engine.modem.dial(
      { path, method: 'GET', statusCodes: { 200: true, 404: 'not found', 409: 'conflict', 500: 'server error' } },
      (error, data) => (error ? reject(error) : resolve(data)),
    ),
  );
}

/**
 * Runs a container's HEALTHCHECK where the engine does not (Podman without systemd);
 * a no-op on Docker. `due` says whether a check of this container is due now.
 */
export function createHealthRunner(engine: DockerLike, clock: Clock) {
  let podman: Promise<boolean> | null = null;
  const last = new Map<string, number>();
  /** resolves true when it ran a check (so the state inspect read is stale) */
  return async (info: ContainerInspectLike): Promise<boolean> => {
    if (!info.State.Running || !hasCheck(info)) return false;
    podman ??= dial(engine, '/libpod/_ping').then(
      () => true,
      (error: unknown) => (statusOf(error) === 404 ? false : Promise.reject(error)),
    );
    const isPodman = await podman.catch(() => {
      podman = null;
      return false;
    });
    if (!isPodman) return false;
    // Docker's default interval when the image names none: 30 s
    const intervalMs = (info.Config.Healthcheck?.Interval ?? 30e9) / 1e6;
    const now = clock.now();
    if (now - (last.get(info.Id) ?? -Infinity) < intervalMs) return false;
    last.set(info.Id, now);
    // the answer is the new state; the next inspect reads it like Docker's
    await dial(engine, `/${LIBPOD}/libpod/containers/${encodeURIComponent(info.Id)}/healthcheck`).catch(
      () => undefined,
    );
    return true;
  };
}

export type HealthRunner = ReturnType<typeof createHealthRunner>;
