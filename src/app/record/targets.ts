import type { RewindConfig } from '../../config/schema/index.js';
import type { RecoveryTargets } from '../../report/index.js';

/**
 * The recovery-time targets of an environment: its own
 * `environments.<e>.targets`, else the top-level `targets`, else none (nothing
 * is checked and no `target.missed` is emitted).
 */
export function targetsFor(
  config: Pick<RewindConfig, 'environments' | 'targets'>,
  environment: string,
): RecoveryTargets | undefined {
  return config.environments[environment]?.targets ?? config.targets ?? undefined;
}
