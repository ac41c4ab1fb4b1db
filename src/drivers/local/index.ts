export { createLocalDriver } from './local-driver.js';
export type { LocalDriver, ReleaseSnapshot } from './local-driver.js';
export type {
  ReleaseRef,
  InstanceProbeLike,
  InstanceProbeOptionsLike,
  LocalDriverOptions,
  LocalGitOptions,
  LocalHealthOptions,
  LocalServiceOptions,
  RestartBackoff,
  TemplateVars,
} from './options.js';
export { fillTemplate } from './options.js';
export { prepareGitRelease, resolveCommit } from './git-release.js';
export type { GitRelease, GitReleaseOptions } from './git-release.js';
export type { InstanceView } from './release-group.js';
