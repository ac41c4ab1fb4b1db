/**
 * The engine client: dockerode on the Docker Engine API's Unix socket —
 * `engine.socket`, else `DOCKER_HOST` (unix://…), else /var/run/docker.sock.
 * Podman serves the same API with `podman system service`.
 */
import Docker from 'dockerode';
import type { DockerLike } from './engine-like.js';

export function engineSocket(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured.replace(/^unix:\/\//, '');
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

export function createEngine(socket: string): DockerLike {
  return new Docker({ socketPath: socket }) as unknown as DockerLike;
}
