import type { AppContext } from './context.js';

/** The environments a service is deployed to: its own list, or every declared one. */
export function environmentsOf(ctx: AppContext, service: string): string[] {
  return ctx.loaded.config.services[service]?.environments ?? Object.keys(ctx.loaded.config.environments);
}
