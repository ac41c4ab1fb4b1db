/**
 * A service's `rollback:` options as they apply in one environment: the
 * service's own key wins, then the environment's policy, then the top-level
 * policy, key by key (`restore` and `logs` are looked up separately).
 */
import type { RewindConfig } from '../../config/schema/index.js';
import type { RestoreConfig, RollbackLogsConfig } from '../../config/schema/rollback.js';
import { parseDuration } from '../../core/duration.js';
import type { RestorePlan } from '../../core/restore-ramp.js';

/** Lines kept before and after the first failure of each instance when nothing is configured. */
export const DEFAULT_LOG_WINDOW: RollbackLogsConfig = { before: 200, after: 50 };

function layers(config: RewindConfig, service: string, environment: string) {
  return [
    config.services[service]?.rollback,
    config.environments[environment]?.policy?.rollback,
    config.policy.rollback,
  ];
}

/** The ramp of `rollback.restore`, or null: all the traffic at once (the default). */
export function restorePlan(config: RewindConfig, service: string, environment: string): RestorePlan | null {
  const found: RestoreConfig | undefined = layers(config, service, environment).find((l) => l?.restore)?.restore;
  if (!found) return null;
  return { steps: found.steps, holdMs: parseDuration(found.hold), when: found.when };
}

/** How many lines of the failed release's output the incident report keeps around its first failure. */
export function logWindow(config: RewindConfig, service: string, environment: string): RollbackLogsConfig {
  return layers(config, service, environment).find((l) => l?.logs)?.logs ?? DEFAULT_LOG_WINDOW;
}
