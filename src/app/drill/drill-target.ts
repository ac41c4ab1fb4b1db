import type { RewindConfig } from '../../config/schema/index.js';
import { ExitCode, UserError } from '../../core/errors.js';

type DrillConfig = RewindConfig['drills'][number];

/**
 * Which service a drill exercises in an environment: the one asked for, the one
 * a `drills[]` entry names, or the only service deployed there.
 */
export function drillService(
  config: RewindConfig,
  environment: string,
  service?: string,
): { service: string; entry: DrillConfig | undefined } {
  if (!config.environments[environment]) {
    const declared = Object.keys(config.environments).join(', ') || 'none';
    throw new UserError('UNKNOWN_ENVIRONMENT', `unknown environment "${environment}" (declared: ${declared})`, {
      status: 400,
      exitCode: ExitCode.usage,
    });
  }
  const entries = config.drills.filter((d) => d.env === environment);
  const inEnv = Object.entries(config.services)
    .filter(([, s]) => (s.environments ?? Object.keys(config.environments)).includes(environment))
    .map(([name]) => name);
  const chosen = service ?? entries.find((d) => d.service)?.service ?? (inEnv.length === 1 ? inEnv[0] : undefined);
  if (!chosen) {
    throw new UserError(
      'DRILL_SERVICE',
      `more than one service runs in ${environment} (${inEnv.join(', ') || 'none'}); choose one with --service`,
      { status: 400, exitCode: ExitCode.usage },
    );
  }
  if (!inEnv.includes(chosen)) {
    throw new UserError(
      'DRILL_SERVICE',
      `service "${chosen}" is not deployed to ${environment} (there: ${inEnv.join(', ') || 'none'})`,
      { status: 400, exitCode: ExitCode.usage },
    );
  }
  return { service: chosen, entry: entries.find((d) => d.service === chosen) ?? entries.find((d) => !d.service) };
}
