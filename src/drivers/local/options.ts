/**
 * Options of the local driver. `LocalServiceOptions` mirrors a
 * service's `driver:` and `health:` blocks of rewind.yaml with durations already
 * converted to milliseconds; the config loader builds it, this folder only reads it.
 */
import type { Clock } from '../../core/clock.js';
import type { Release } from '../../core/model.js';
import type { TrafficSwitch } from '../../proxy/types.js';

export interface LocalHealthOptions {
  /** liveness path; default `/health/live`; null disables it */
  live?: string | null;
  /** readiness path; default `/health/ready`; null means ready once live */
  ready?: string | null;
  /** default 1000 */
  intervalMs?: number;
  /** default 1000 */
  timeoutMs?: number;
  /** consecutive failures before a check counts as failed; default 3 */
  failureThreshold?: number;
}

export interface LocalGitOptions {
  /** the repository, resolved against the driver's baseDir */
  repo: string;
  /** argv run once in each release's tree, e.g. ["npm", "ci"]; default none */
  build?: string[];
  /** after a rollback, commit `git revert` of the bad commits on the repository's current branch; default false */
  revert?: boolean;
}

export interface LocalServiceOptions {
  /** argv, no shell; `{version}` `{service}` `{env}` `{revision}` are replaced */
  command: string[];
  /** working directory, resolved against baseDir (or the release tree with `git`); default `.` */
  cwd?: string;
  /** extra environment, values templated like `command` */
  env?: Record<string, string>;
  /** variable that receives the instance's port; default `PORT` */
  portEnv?: string;
  /** the ports instances get; default any free port the kernel hands out */
  ports?: { from: number; to: number };
  /** processes per release; default 1 */
  instances?: number;
  /** the front door (host:port) served by the traffic switch; informational here */
  listen?: string;
  /** SIGTERM → SIGKILL grace, also the drain timeout; default 10000 */
  stopTimeoutMs?: number;
  /** host the instances bind and are probed on; default 127.0.0.1 */
  host?: string;
  /** files relative to `cwd` snapshotted per release and put back before a rollback starts it; default none */
  configFiles?: string[];
  /** git releases: the version is a commit-ish */
  git?: LocalGitOptions;
  health?: LocalHealthOptions;
}

/** A health probe of one instance, as `createHealthProbe` of monitor/probes makes it. */
export interface InstanceProbeLike {
  state(): { ready: boolean; live: boolean; consecutiveFailures: number; rounds: number; lastError: string | null };
  nextRound(): Promise<unknown>;
  stop(): void;
}

export interface InstanceProbeOptionsLike {
  host: string;
  port: number;
  livePath: string | null;
  readyPath: string | null;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  clock: Clock;
}

export interface RestartBackoff {
  /** first delay after a crash; default 200 */
  initialMs?: number;
  /** the delay doubles up to this; default 10000 */
  maxMs?: number;
  /** an instance up this long starts again from `initialMs`; default 10000 */
  resetAfterMs?: number;
}

export interface LocalDriverOptions {
  /** holds run/ (pid and port files), logs/ and releases/ (git trees) */
  stateDir: string;
  /** relative `cwd` and `git.repo` resolve against it; default process.cwd() */
  baseDir?: string;
  /** the services this driver runs, by name, or a lookup per (service, environment) */
  services:
    Record<string, LocalServiceOptions> | ((service: string, environment: string) => LocalServiceOptions | undefined);
  /**
   * The traffic switch fronting a service. The caller owns its lifecycle (it has
   * called `listen()` and closes it); the driver only sets pools and weights.
   */
  switchFor(service: string, environment: string): TrafficSwitch | Promise<TrafficSwitch>;
  /** makes the health probe of one instance: pass `createHealthProbe` from monitor/probes */
  createProbe(options: InstanceProbeOptionsLike): InstanceProbeLike;
  backoff?: RestartBackoff;
  /** default the system clock */
  clock?: Clock;
  /** extra variables for every instance, on top of the inherited minimum (core/child-env.ts) */
  baseEnv?: Record<string, string>;
  /**
   * Variables of one release set after it was deployed (feature flags), applied
   * whenever its instances start afresh; default none
   */
  releaseEnv?(release: ReleaseRef): Record<string, string> | Promise<Record<string, string>>;
  /** variables of the controller's environment passed through beyond the minimum; default none */
  passEnv?: readonly string[];
}

/**
 * What the driver needs of a release. With git releases a full sha in `artifact`
 * pins the commit, so a branch name as version cannot move under a running release.
 */
export type ReleaseRef = Pick<Release, 'service' | 'environment' | 'revision' | 'version'> & {
  artifact?: string | null;
};

export interface TemplateVars {
  version: string;
  service: string;
  env: string;
  revision: number;
}

/** Replaces `{version}` `{service}` `{env}` `{revision}`; other braces are left alone. */
export function fillTemplate(text: string, vars: TemplateVars): string {
  return text.replace(/\{(version|service|env|revision)\}/g, (_, name: keyof TemplateVars) => String(vars[name]));
}
