/**
 * From a release and its service options to the concrete argv, cwd and
 * environment of its instances: templates filled, paths resolved, and for git
 * releases the commit checked out and built first.
 */
import { childEnvironment } from '../../core/child-env.js';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { UserError } from '../../core/errors.js';
import { prepareGitRelease } from './git-release.js';
import {
  fillTemplate,
  type LocalDriverOptions,
  type LocalServiceOptions,
  type ReleaseRef,
  type TemplateVars,
} from './options.js';
import type { ReleaseGroupSpec } from './release-group.js';
import type { ProbeRules } from './run-file.js';

export const DEFAULTS = {
  portEnv: 'PORT',
  instances: 1,
  stopTimeoutMs: 10_000,
  host: '127.0.0.1',
  backoff: { initialMs: 200, maxMs: 10_000, resetAfterMs: 10_000 },
  health: { live: '/health/live', ready: '/health/ready', intervalMs: 1000, timeoutMs: 1000, failureThreshold: 3 },
} as const;

/** The service's options, or a UserError that says where to declare them. */
export function serviceOptions(options: LocalDriverOptions, service: string, environment: string): LocalServiceOptions {
  const found =
    typeof options.services === 'function' ? options.services(service, environment) : options.services[service];
  if (!found) {
    throw new UserError(
      'LOCAL_SERVICE',
      `service ${JSON.stringify(service)} has no local driver settings for environment ${JSON.stringify(environment)}; declare it in rewind.yaml under services.${service}.driver`,
    );
  }
  if (
    !Array.isArray(found.command) ||
    found.command.length === 0 ||
    found.command.some((part) => typeof part !== 'string')
  ) {
    throw new UserError(
      'LOCAL_COMMAND',
      `services.${service}.driver.command must be a non-empty list of strings (argv, no shell)`,
    );
  }
  const instances = found.instances ?? DEFAULTS.instances;
  if (!Number.isInteger(instances) || instances < 1) {
    throw new UserError(
      'LOCAL_INSTANCES',
      `services.${service}.driver.instances must be a whole number ≥ 1, got ${String(instances)}`,
    );
  }
  return found;
}

/** The health checks the service's options ask for now, defaults filled in. */
export function probeRules(service: LocalServiceOptions): ProbeRules {
  const health = { ...DEFAULTS.health, ...definedOnly(service.health ?? {}) };
  return {
    livePath: health.live,
    readyPath: health.ready,
    intervalMs: health.intervalMs,
    timeoutMs: health.timeoutMs,
    failureThreshold: health.failureThreshold,
  };
}

export const sameRules = (a: ProbeRules, b: ProbeRules): boolean =>
  a.livePath === b.livePath &&
  a.readyPath === b.readyPath &&
  a.intervalMs === b.intervalMs &&
  a.timeoutMs === b.timeoutMs &&
  a.failureThreshold === b.failureThreshold;

export const stopTimeoutOf = (service: LocalServiceOptions): number => service.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs;

export interface SpecContext {
  options: LocalDriverOptions;
  /** the checks the release's instances were made ready under, from its run file */
  recordedRules?: ProbeRules;
  clock: Clock;
  log?: (line: string) => void;
}

/** `{ a: undefined }` must not override a default. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function releaseGroupSpec(
  release: ReleaseRef,
  service: LocalServiceOptions,
  context: SpecContext,
): Promise<ReleaseGroupSpec> {
  const { options } = context;
  const vars: TemplateVars = {
    version: release.version,
    service: release.service,
    env: release.environment,
    revision: release.revision,
  };
  const fill = (text: string): string => fillTemplate(text, vars);
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const env: NodeJS.ProcessEnv = childEnvironment(process.env, options.passEnv, options.baseEnv);
  for (const [name, value] of Object.entries(service.env ?? {})) env[name] = fill(String(value));
  Object.assign(env, (await options.releaseEnv?.(release)) ?? {});

  let root = baseDir;
  let commit: string | null = null;
  if (service.git) {
    const pinned = release.artifact && /^[0-9a-f]{40}$/.test(release.artifact) ? release.artifact : release.version;
    const git = await prepareGitRelease(pinned, {
      repo: path.resolve(baseDir, service.git.repo),
      releasesDir: path.join(options.stateDir, 'releases'),
      build: (service.git.build ?? []).map(fill),
      env,
      ...(context.log ? { log: context.log } : {}),
    });
    root = git.dir;
    commit = git.commit;
  }
  return {
    stateDir: options.stateDir,
    service: release.service,
    environment: release.environment,
    revision: release.revision,
    version: release.version,
    commit,
    desired: service.instances ?? DEFAULTS.instances,
    argv: service.command.map(fill),
    cwd: path.resolve(root, fill(service.cwd ?? '.')),
    env,
    portEnv: service.portEnv ?? DEFAULTS.portEnv,
    ...(service.ports ? { ports: service.ports } : {}),
    host: service.host ?? DEFAULTS.host,
    stopTimeoutMs: stopTimeoutOf(service),
    backoff: { ...DEFAULTS.backoff, ...definedOnly(options.backoff ?? {}) },
    // a release keeps the checks it was made ready under (its run file's) until a restart proves new ones
    probe: context.recordedRules ?? probeRules(service),
  };
}
