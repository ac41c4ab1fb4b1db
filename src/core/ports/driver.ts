import type { ConfigFile, Fence, Release } from '../model.js';
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
  /**
   * The readiness check its instances are judged by (a path, or null: ready once
   * live), when the platform keeps it per release; a release keeps the rule it
   * was made ready under until a restart or a new release proves another.
   */
  readyCheck?: string | null;
  /** why it is not ready yet, in words: a crash's exit code and last output, the last probe's answer, the log */
  problem?: string;
  /** it cannot become ready by waiting (a crash loop before it was ever ready): a deploy stops at once */
  failing?: boolean;
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

/** A revision as the platform itself keeps it (a Deployment's ReplicaSets, a Helm release's history). */
export interface PlatformRevision {
  revision: number;
  /** revisions it answered for before a rollback renumbered it (Kubernetes revision-history) */
  formerRevisions: number[];
  version: string;
  /** what runs: an image reference */
  image: string;
  /** the revision the platform runs now */
  current: boolean;
  /** why it was made, when the platform records it (`kubernetes.io/change-cause`) */
  changeCause: string | null;
}

/** What one instance of a release printed, oldest line first, as the platform keeps it (not yet masked). */
export interface InstanceOutput {
  /** the instance as the platform names it: a log file, a pod's container (`(previous)`: the run that crashed), a container */
  instance: string;
  lines: string[];
}

export interface LogsOptions {
  /** at most this many of the newest lines per instance; default 10000 */
  maxLines?: number;
  signal?: AbortSignal;
}

/** What runs outside Rewind, taken over as a release by `rewind adopt`. */
export interface AdoptedRelease {
  /** what it runs: an image reference with its digest */
  artifact: string;
  /** a version read from what runs (the image's tag), when the caller names none */
  version: string;
  instances: number;
  message: string;
}

/** revision → percent; the percents add up to 100. */
export type Weights = Record<number, number>;

export interface DriverCallOptions {
  signal?: AbortSignal;
  /** receives output lines (already redacted) for the journal */
  log?: (line: string) => void;
  /** told the process group of every command the call starts, so a crashed attempt's orphan can be found */
  onProcess?: (processGroup: number) => void;
  /** `retire` only: the runbook's emergency stop — no draining, stuck instances force-deleted; default false */
  force?: boolean;
  /**
   * the controller lease the call acts under: a driver with `fencedTraffic` records the
   * token with each traffic write and refuses to write under an older one
   */
  fence?: Fence;
}

/**
 * What a driver can do. Use cases ask for a capability, never for a driver type.
 * The optional flags default to false.
 */
export interface DriverCapabilities {
  /** `describe` reports health, so await-healthy can check it */
  health: boolean;
  /** the driver owns processes: actions need a long-lived controller */
  needsOwner: boolean;
  /** the platform has its own undo (`kubectl rollout undo`, `helm rollback`, a command) */
  nativeUndo: boolean;
  /** a rollback uses the native undo rather than start → shift traffic → retire */
  preferNativeUndo?: boolean;
  /** the previous release keeps running after a promotion (blue-green colours, local processes) */
  warmPrevious?: boolean;
  /** traffic can be split by percent; without it the release with the larger share gets all of it */
  weights?: boolean;
  /**
   * `start` replaces the running release in place (a rolling update): the new one takes
   * traffic as its instances become ready, so it is watched during the rollout itself
   */
  rollsInPlace?: boolean;
  /**
   * the config the release reads is snapshotted per release and restored with it: files through
   * `readConfigFiles`/`writeConfigFiles` (local), or inside the driver's own start (ConfigMaps)
   */
  configSnapshot?: boolean;
  /**
   * `restart` replaces a release's instances one at a time behind the traffic switch,
   * optionally with environment variables added (feature flags)
   */
  restartInPlace?: boolean;
  /** a feature flag can be switched on the running release (`setFlag`) */
  flags?: boolean;
  /**
   * traffic writes are conditional on the platform (read, check the recorded lease
   * token, write with a precondition): a deposed leader's `shiftTraffic` is refused
   */
  fencedTraffic?: boolean;
  /**
   * the driver's signals count restarts of crashed instances (`restarts`): a crash loop
   * fails a watched release even when no restarts trigger is configured
   */
  restartSignals?: boolean;
  /** a drill can inject a fault through the environment of the release it starts (the sample app's FAULT) */
  faultEnv?: boolean;
}

export interface RestartOptions extends DriverCallOptions {
  /** variables set on the new instances, kept for the release's life (crash restarts too); default none */
  env?: Record<string, string>;
  /** how long one new instance may take to answer ready; default 60000 */
  readyTimeoutMs?: number;
}

/**
 * The Driver port (DESIGN.md). Every call is idempotent: calling it twice leaves
 * the same state. Capabilities are flags, never `if (type === …)` elsewhere.
 */
export interface Driver {
  readonly type: string;
  readonly capabilities: DriverCapabilities;
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
  /**
   * What the release will run, pinned at deploy and recorded as its `artifact`
   * (an image reference with its digest), so every later start runs the same bytes
   */
  resolveArtifact?(release: Release): Promise<string | null>;
  /**
   * The output of a release's instances (a crash-looping pod: the previous container too), read
   * for the incident report before the release is stopped; never throws for one unreadable instance
   */
  logs?(release: Release, options?: LogsOptions): Promise<InstanceOutput[]>;
  /** the last log lines and states of a release's instances (masked), for the incident report */
  evidence?(release: Release, lines?: number): Promise<string[]>;
  undo?(service: string, environment: string, to: Release, options?: DriverCallOptions): Promise<string>;
  /** with `capabilities.configSnapshot`: the release's config files as they are now (empty when none are declared) */
  readConfigFiles?(release: Release): Promise<ConfigFile[]>;
  /** with `capabilities.configSnapshot`: puts the files back (a null content removes the file) */
  writeConfigFiles?(release: Release, files: ConfigFile[], options?: DriverCallOptions): Promise<string>;
  /** with `capabilities.restartInPlace`: a rolling restart of a running release */
  restart?(release: Release, options?: RestartOptions): Promise<string>;
  /** time limits of one platform call and of draining a release; default 60 s and 0 */
  limits?(service: string, environment: string): { commandMs: number; stopMs: number };
  /** when the change in a release was made (git: the commit time), epoch ms; null when unknown */
  changeTime?(release: Release): Promise<number | null>;
  /** the service wants its source reverted after a rollback (`git.revert`) */
  revertsSource?(service: string, environment: string): boolean;
  /** puts the source back on the good release (a `git revert` commit of the bad ones); idempotent */
  revertSource?(bad: Release, good: Release, options?: DriverCallOptions): Promise<string>;
  /** the service's front door (where smoke tests go), when the driver knows one */
  frontDoor?(service: string, environment: string): string | null;
  /**
   * The revision the platform will give the next release (Kubernetes: the Deployment's
   * next ReplicaSet revision), so Rewind's revision and the platform's agree; none: the store counts
   */
  nextRevision?(service: string, environment: string): Promise<number | null>;
  /**
   * the platform's own history, oldest first: the first look at a service adopts it as
   * releases, and a change made outside Rewind is recorded as an `external` release
   */
  history?(service: string, environment: string): Promise<PlatformRevision[]>;
  /**
   * takes what already runs outside Rewind (containers selected by label) as the release
   * `revision`, without restarting it; a later `start` of a release whose `deployedBy` is
   * `adopted` finds it again the same way
   */
  adopt?(service: string, environment: string, revision: number, options?: DriverCallOptions): Promise<AdoptedRelease>;
  /** sets a feature flag (an environment variable of the running release) and rolls it; needs `flags` */
  setFlag?(
    service: string,
    environment: string,
    flag: string,
    value: string,
    options?: DriverCallOptions,
  ): Promise<string>;
  /** signals the platform measures itself (the local driver: traffic switch telemetry, probes, processes) */
  signals?(service: string, environment: string): SignalSource;
  /** release resources (stop watchers, not the service's processes unless asked) */
  close?(): Promise<void>;
}
