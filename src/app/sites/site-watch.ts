import { parseDuration } from '../../core/duration.js';
import { errorMessage } from '../../core/errors.js';
import { decideSiteDown, type SiteDownDecision } from '../../core/site-down.js';
import type { AppContext } from '../context.js';
import { currentSite } from './current-site.js';
import { SITES_SERVICE, failoverEnvironment, primarySite } from './site-config.js';
import { createSiteApi } from './site-api.js';
import { checkSiteHealth } from './site-health.js';

const healthOf = (ctx: AppContext, site: string) => {
  const health = ctx.loaded.config.sites[site]?.health;
  return { url: health?.url ?? '', status: health?.status ?? 200, timeoutMs: parseDuration(health?.timeout ?? '5s') };
};

/**
 * The `site-down` trigger of `rewind serve`: checks the primary site's health
 * every `failover.checkInterval`; after `failover.failures` failed checks in a
 * row, while the zones still point at the primary, it decides by
 * `failover.onSiteDown` — ask a human (the default, a `site.down` event for the
 * incident channel), or fail over at once — and escalates when no standby is
 * healthy either. After an escalation it looks again each check, so a standby
 * that comes back is used. Returns the stop function.
 */
export function startSiteWatch(ctx: AppContext): () => Promise<void> {
  const { config } = ctx.loaded;
  if (!config.failover || Object.keys(config.sites).length < 2) return async () => undefined;
  const failover = config.failover;
  const primary = primarySite(config);
  const environment = failoverEnvironment(config);
  const stop = new AbortController();
  const base = { service: SITES_SERVICE, environment, actor: 'rewind' };
  let failures = 0;
  let decided: SiteDownDecision['action'] | null = null;

  async function look(): Promise<void> {
    const health = await checkSiteHealth(healthOf(ctx, primary), stop.signal);
    if (health.ok) {
      if (decided)
        await ctx.emit({
          ...base,
          type: 'site.recovered',
          message: `site ${primary} is healthy again: ${health.detail}`,
        });
      failures = 0;
      decided = null;
      return;
    }
    failures++;
    if (failures < failover.failures || (decided !== null && decided !== 'escalate')) return;
    if ((await currentSite(ctx, stop.signal)) !== primary) return;
    const standbys: { name: string; healthy: boolean; detail: string }[] = [];
    for (const name of Object.keys(config.sites).filter((s) => s !== primary)) {
      const answer = await checkSiteHealth(healthOf(ctx, name), stop.signal);
      standbys.push({ name, healthy: answer.ok, detail: answer.detail });
    }
    const decision = decideSiteDown({
      primary,
      failures,
      standbys,
      onSiteDown: failover.onSiteDown,
    });
    if (decision.action === decided) return;
    if (decided === null)
      await ctx.emit({
        ...base,
        type: 'trigger.fired',
        message: `site-down: ${health.detail}`,
        data: { trigger: 'site-down', metric: 'siteHealth', site: primary, failures, detail: health.detail },
      });
    decided = decision.action;
    await ctx.emit({
      ...base,
      type: decision.action === 'ask' ? 'site.down' : 'decision.made',
      message: decision.reason,
      data: { action: decision.action, site: primary, ...('to' in decision ? { to: decision.to } : {}) },
    });
    if (decision.action === 'failover')
      await createSiteApi(ctx).failover({
        to: decision.to,
        kind: 'automatic',
        reason: decision.reason,
        actor: { name: 'rewind' },
      });
  }

  const every = parseDuration(failover.checkInterval);
  const loop = (async () => {
    while (!stop.signal.aborted) {
      await look().catch((error: unknown) =>
        ctx
          .emit({ ...base, type: 'site.watch-failed', message: `site watch: ${ctx.redact(errorMessage(error))}` })
          .catch(() => undefined),
      );
      await ctx.clock.sleep(every, stop.signal).catch(() => undefined);
    }
  })();
  return async () => {
    stop.abort();
    await loop;
  };
}
