/**
 * The `local` driver: services as local processes behind Rewind's own
 * traffic switch. The composition root wires it like this:
 *
 * ```ts
 * const driver = createLocalDriver({
 *   stateDir, baseDir: configDir, services,          // services: LocalServiceOptions by name
 *   switchFor: (service, env) => switches.get(service, env), // listening switches, owned by the caller
 *   createProbe: createHealthProbe,                   // from monitor/probes
 * });
 * const probes = createProbeSignalSource({ lookup: driver.snapshot });
 * ```
 */
export { createLocalDriver } from './local-driver.js';
export type { LocalDriver, ReleaseSnapshot } from './local-driver.js';
export type {
  InstanceProbeLike,
  InstanceProbeOptionsLike,
  LocalDriverOptions,
  LocalGitOptions,
  LocalHealthOptions,
  LocalServiceOptions,
  ReleaseRef,
  RestartBackoff,
  TemplateVars,
} from './options.js';
export { fillTemplate } from './options.js';
export { prepareGitRelease, resolveCommit } from './git-release.js';
export type { GitRelease, GitReleaseOptions } from './git-release.js';
export type { InstanceView } from './release-group.js';
