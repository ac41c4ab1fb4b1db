/**
 * Options of the container driver. `ContainerServiceOptions` mirrors a service's
 * `driver:` (type container) and `health:` blocks of rewind.yaml with durations
 * in milliseconds; the composition root builds it, this folder only reads it.
 */
import type { Clock } from '../../core/clock.js';
import type { InstanceProbeLike, InstanceProbeOptionsLike, LocalHealthOptions } from '../local/options.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import type { DockerLike } from './engine-like.js';
import type { AdoptedRelease, Driver, DriverCallOptions } from '../../core/ports/driver.js';
import type { SignalSource } from '../../core/ports/signal-source.js';
import type { ReleaseKey } from './labels.js';
import type { ContainerConfigFile } from './config-mounts.js';

/** `always` pulls at every deploy, `ifNotPresent` only when the engine lacks the tag, `never` never. */
export type PullPolicy = 'always' | 'ifNotPresent' | 'never';

export interface ContainerServiceOptions {
  /** image reference, `{version}` replaced, e.g. `registry/app:{version}` */
  image: string;
  /** argv overriding the image's command; placeholders replaced; default the image's */
  command?: string[];
  /** environment, values templated; default none */
  env?: Record<string, string>;
  /** the port the container listens on; published on 127.0.0.1 at a free host port; default 8080 */
  port?: number;
  /** containers per release; default 1 */
  instances?: number;
  /** default `ifNotPresent` */
  pull?: PullPolicy;
  /** `host:container[:ro]` bind mounts or named volumes; default none */
  volumes?: string[];
  /** network to attach; default the engine's (bridge) */
  network?: string;
  /** CPU limit in cores, e.g. 0.5; default none */
  cpus?: number;
  /** memory limit in bytes; default none */
  memoryBytes?: number;
  /** extra labels; Rewind's own `dev.rewind.*` labels always win */
  labels?: Record<string, string>;
  /** SIGTERM → SIGKILL grace, also the drain timeout; default 10000 */
  stopTimeoutMs?: number;
  /** stopped releases kept for a cold rollback (`start`, no pull), newest first; default 3 */
  keepStopped?: number;
  /** config files copied per release at its first start and mounted read-only from that copy; default none */
  configFiles?: ContainerConfigFile[];
  /**
   * labels selecting the containers `rewind adopt` takes over (all must match); default
   * none here — the composition root fills `com.docker.compose.service=<name>`
   */
  adoptLabels?: Record<string, string>;
  health?: LocalHealthOptions;
  /**
   * the image's HEALTHCHECK counts as well as the probes: a container is ready once it
   * is healthy, unhealthy fails it (Docker runs the check; on Podman the driver does); default false
   */
  imageHealthcheck?: boolean;
  /** the front door (host:port), informational here */
  listen?: string;
}

export interface ContainerDriverOptions {
  /** the engine: dockerode's `Docker` on the configured socket */
  engine: DockerLike;
  /** Rewind's project name, written into every container's labels */
  project: string;
  services: (service: string, environment: string) => ContainerServiceOptions | undefined;
  /** the traffic switch fronting a service (owned by the caller, already listening) */
  switchFor(service: string, environment: string): TrafficSwitch | Promise<TrafficSwitch>;
  /** makes the health probe of one container's published port: pass `createHealthProbe` */
  createProbe(options: InstanceProbeOptionsLike): InstanceProbeLike;
  /** variables of one release set after its deploy (feature flags, a drill's fault); default none */
  releaseEnv?(release: {
    service: string;
    environment: string;
    revision: number;
  }): Record<string, string> | Promise<Record<string, string>>;
  /** how often each container's state is read; default 1000 */
  pollMs?: number;
  /** the folder of a release's config file copies (owner-only); needed when a service declares configFiles */
  configDir?(release: ReleaseKey): string;
  /** masks secret values in log lines the driver returns; default identity */
  redact?: (text: string) => string;
  clock?: Clock;
}

/** A release as the driver's calls take it. */
export type Ref = ReleaseKey & { version: string; artifact?: string | null; deployedBy?: string };

export interface ContainerDriver extends Driver {
  awaitReady(release: Ref, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** the last log lines of a release's containers (masked), for the incident report */
  evidence(release: Ref, lines?: number): Promise<string[]>;
  /** restarts, crash loops, OOM kills, probes and the stats API's CPU and memory of each release */
  readonly engineSignals: SignalSource;
  adopt(service: string, environment: string, revision: number, options?: DriverCallOptions): Promise<AdoptedRelease>;
  close(): Promise<void>;
}
