/**
 * The part of the Docker Engine API the container driver uses, typed as the
 * small interfaces dockerode's `Docker`, `Container` and `Image` objects satisfy.
 * Tests hand a real engine (Podman's `podman system service`), never a mock.
 */

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface ContainerCreateSpec {
  name?: string;
  Image: string;
  Cmd?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  StopTimeout?: number;
  HostConfig?: {
    PortBindings?: Record<string, PortBinding[]>;
    Binds?: string[];
    NetworkMode?: string;
    Memory?: number;
    NanoCpus?: number;
    RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  };
}

export interface ContainerInspectLike {
  Id: string;
  Name: string;
  /** the image id it runs */
  Image: string;
  RestartCount: number;
  Config: { Labels: Record<string, string> | null; Image: string; Healthcheck?: HealthcheckLike | null };
  State: {
    Status: string;
    Running: boolean;
    Restarting?: boolean;
    OOMKilled: boolean;
    ExitCode: number;
    Pid: number;
    StartedAt: string;
    FinishedAt?: string;
    /** the image's HEALTHCHECK state; absent when the image has none */
    Health?: HealthStateLike | null;
  };
  NetworkSettings: {
    Ports: Record<string, PortBinding[] | null> | null;
    IPAddress?: string;
    Networks?: Record<string, { IPAddress?: string }> | null;
  };
  HostConfig: { Memory?: number };
}

/** A HEALTHCHECK as the image (or the container's config) declares it; durations in nanoseconds. */
export interface HealthcheckLike {
  Test?: string[] | null;
  Interval?: number;
}

/** `starting`, `healthy` or `unhealthy`, with the consecutive failures and the last checks' output. */
export interface HealthStateLike {
  Status: string;
  FailingStreak?: number;
  Log?: { ExitCode: number; Output: string }[] | null;
}

export interface ContainerSummaryLike {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string> | null;
}

export interface ContainerStatsLike {
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number };
}

export interface ContainerLike {
  id: string;
  inspect(): Promise<ContainerInspectLike>;
  start(): Promise<unknown>;
  stop(options?: { t?: number }): Promise<unknown>;
  remove(options?: { force?: boolean; v?: boolean }): Promise<unknown>;
  logs(options: { stdout: boolean; stderr: boolean; tail?: number; follow?: false }): Promise<Buffer | string>;
  stats(options: { stream: false }): Promise<ContainerStatsLike>;
}

export interface ImageInspectLike {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
}

export interface ImageLike {
  inspect(): Promise<ImageInspectLike>;
}

/** dockerode's `Docker`, as far as Rewind uses it. */
export interface DockerLike {
  ping(): Promise<unknown>;
  getImage(reference: string): ImageLike;
  /** resolves with a progress stream; `followProgress` waits for it */
  pull(reference: string): Promise<NodeJS.ReadableStream>;
  modem: {
    followProgress(stream: NodeJS.ReadableStream, done: (error: Error | null) => void): void;
    /** one raw API call (dockerode's docker-modem): how the driver reaches Podman's libpod endpoints */
    dial(
      options: { path: string; method: string; statusCodes: Record<number, boolean | string>; options?: object },
      callback: (error: Error | null, data: unknown) => void,
    ): void;
  };
  createContainer(spec: ContainerCreateSpec): Promise<ContainerLike>;
  getContainer(id: string): ContainerLike;
  listContainers(options: { all: boolean; filters: { label: string[] } }): Promise<ContainerSummaryLike[]>;
}

/** The engine's HTTP status of a failed call (404 no such image/container, 409 conflict), when it has one. */
export const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'statusCode' in error
    ? (error as { statusCode?: number }).statusCode
    : undefined;
