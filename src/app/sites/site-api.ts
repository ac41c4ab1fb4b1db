import type { AppContext } from '../context.js';
import { runPlanned } from '../undo.js';
import { planSiteSwitchRequest, type SiteSwitchRequest, type SiteSwitchResult } from './failover.js';
import { primarySite } from './site-config.js';

/** `rewind failover` and `rewind failback` as the HTTP API and the in-process CLI call them. */
export interface SiteApi {
  /** plans, saves and runs a switch to `to`; with `wait` resolves when the plan has ended */
  failover(request: SiteSwitchRequest & { wait?: boolean }): Promise<SiteSwitchResult>;
  /** the same, back to the primary site */
  failback(request: Omit<SiteSwitchRequest, 'to'> & { wait?: boolean }): Promise<SiteSwitchResult>;
}

export function createSiteApi(
  ctx: AppContext,
  options: { track?: (work: Promise<unknown>) => void; signal?: AbortSignal } = {},
): SiteApi {
  const run = async ({ wait, ...request }: SiteSwitchRequest & { wait?: boolean }): Promise<SiteSwitchResult> => {
    const planned = await planSiteSwitchRequest(ctx, request);
    if (!planned.rollback) return planned;
    const running = runPlanned(ctx, planned.rollback.id, options.signal);
    options.track?.(running);
    if (wait) return { ...planned, rollback: await running };
    running.catch(() => undefined);
    return planned;
  };
  return {
    failover: run,
    failback: (request) => run({ ...request, to: primarySite(ctx.loaded.config) }),
  };
}
