/**
 * The engine's create request for one container of a release: the digest, the
 * filled command and environment, the port published on 127.0.0.1 only (the
 * front door is the way in), limits, mounts and the restart policy that makes
 * the engine restart a crashed container (each restart is counted).
 */
import type { ContainerCreateSpec, ContainerInspectLike } from './engine-like.js';

export interface ContainerSpecInput {
  image: string;
  /** filled argv; empty keeps the image's command */
  command: string[];
  /** filled `NAME=value` pairs */
  env: string[];
  /** the container's port */
  port: number;
  volumes: string[];
  /** host path → container path, mounted read-only (config files of the release) */
  mounts: { host: string; container: string }[];
  network?: string;
  cpus?: number;
  memoryBytes?: number;
  /** the user's extra labels */
  labels: Record<string, string>;
  stopTimeoutMs: number;
}

export function containerSpec(
  name: string,
  input: ContainerSpecInput,
  labels: Record<string, string>,
): ContainerCreateSpec {
  const port = `${input.port}/tcp`;
  return {
    name,
    Image: input.image,
    ...(input.command.length > 0 ? { Cmd: input.command } : {}),
    Env: input.env,
    Labels: labels,
    ExposedPorts: { [port]: {} },
    StopTimeout: Math.ceil(input.stopTimeoutMs / 1000),
    HostConfig: {
      // an empty HostPort: the engine picks a free one, read back from inspect
      PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Binds: [...input.volumes, ...input.mounts.map((m) => `${m.host}:${m.container}:ro`)],
      ...(input.network ? { NetworkMode: input.network } : {}),
      ...(input.memoryBytes ? { Memory: input.memoryBytes } : {}),
      ...(input.cpus ? { NanoCpus: Math.round(input.cpus * 1e9) } : {}),
      RestartPolicy: { Name: 'unless-stopped' },
    },
  };
}

const ANY = new Set(['', '0.0.0.0', '::']);

/**
 * Where a container's port is reached from this host: its published port (on
 * 127.0.0.1 when published on every address), else — a container Compose started
 * without publishing it — its address on the engine's network and the port itself.
 */
export function reachAt(info: ContainerInspectLike, containerPort: number): { host: string; port: number } {
  const binding = info.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.find((b) => Number(b.HostPort) > 0);
  if (binding)
    return { host: ANY.has(binding.HostIp ?? '') ? '127.0.0.1' : binding.HostIp!, port: Number(binding.HostPort) };
  const address =
    info.NetworkSettings.IPAddress ||
    Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
  return address ? { host: address, port: containerPort } : { host: '127.0.0.1', port: 0 };
}
