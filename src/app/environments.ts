import { ExitCode, UserError } from '../core/errors.js';
import type { AppContext } from './context.js';

/** The environments a service is deployed to: its own list, or every declared one. */
export function environmentsOf(ctx: AppContext, service: string): string[] {
  return ctx.loaded.config.services[service]?.environments ?? Object.keys(ctx.loaded.config.environments);
}

/**
 * The environment a whole-environment action (group undo, drill) acts on: the one
 * named, or the first declared. Authorization asks this same function, so a
 * request that names none is checked against the environment it will touch.
 */
export function defaultEnvironment(ctx: AppContext, requested: string | undefined): string {
  const declared = Object.keys(ctx.loaded.config.environments);
  const environment = requested ?? declared[0];
  if (!environment || !declared.includes(environment))
    throw new UserError(
      'UNKNOWN_ENVIRONMENT',
      `unknown environment "${requested}" (declared: ${declared.join(', ') || 'none'})`,
      { status: 400, exitCode: ExitCode.usage },
    );
  return environment;
}
