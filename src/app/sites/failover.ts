import { parseDuration } from '../../core/duration.js';
import { ExitCode, UserError, conflict } from '../../core/errors.js';
import type { RollbackDetail, RollbackKind, StepSpec } from '../../core/model.js';
import { planSiteSwitch } from '../../core/site-plan.js';
import type { Actor, AppContext } from '../context.js';
import { currentSite } from './current-site.js';
import { backupToRestore } from './newest-backup.js';
import {
  SITES_SERVICE,
  drillChanges,
  failoverEnvironment,
  oldTtlSeconds,
  primarySite,
  siteConfig,
  zoneChanges,
} from './site-config.js';

export interface SiteSwitchRequest {
  /** the site to send traffic to; failback: the primary */
  to: string;
  /** when given, must be the failover environment (the API authorizes on it) */
  environment?: string;
  force?: boolean;
  dryRun?: boolean;
  reason?: string;
  kind?: RollbackKind;
  /** move only `failover.drill` names there and back */
  drill?: boolean;
  actor: Actor;
}

export interface SiteSwitchResult {
  dryRun: boolean;
  environment: string;
  from: string | null;
  to: string;
  plan: StepSpec[];
  rollback: RollbackDetail | null;
}

/** Plans a site switch and saves it (unless dry-run); the executor runs it like any rollback. */
export async function planSiteSwitchRequest(ctx: AppContext, request: SiteSwitchRequest): Promise<SiteSwitchResult> {
  const { config } = ctx.loaded;
  if (Object.keys(config.sites).length < 2)
    throw new UserError('NO_SITES', `${ctx.loaded.file} declares no primary and standby under \`sites:\``, {
      exitCode: ExitCode.usage,
    });
  const site = siteConfig(ctx, request.to);
  const environment = failoverEnvironment(config);
  if (request.environment !== undefined && request.environment !== environment)
    throw new UserError(
      'WRONG_ENVIRONMENT',
      `site failover acts on environment "${environment}" (failover.environment), not "${request.environment}"`,
      { status: 400, exitCode: ExitCode.usage },
    );
  if (request.drill && (config.failover?.drill.length ?? 0) === 0)
    throw new UserError('NO_DRILL_NAMES', 'a failover drill needs names set aside for it under `failover.drill`', {
      exitCode: ExitCode.usage,
    });
  const active = await ctx.store.listRollbacks({ service: SITES_SERVICE, environment, status: ['planned', 'running'] });
  if (active[0])
    throw conflict(`a site switch in ${environment} is already in progress (${active[0].id})`, {
      activeRollbackId: active[0].id,
    });
  const from = request.drill ? primarySite(config) : await currentSite(ctx);
  if (from === request.to && !request.drill)
    throw new UserError('ALREADY_THERE', `the zones already point at site ${request.to}: nothing to do`, {
      status: 409,
      exitCode: ExitCode.failed,
    });
  const restore =
    site.restoreDatabase && !request.drill
      ? { database: site.restoreDatabase, backupId: (await backupToRestore(ctx, site.restoreDatabase)).id }
      : null;
  const changes = request.drill ? drillChanges(config, request.to) : zoneChanges(config, request.to);
  const plan = planSiteSwitch({
    from,
    to: request.to,
    health: { url: site.health.url, status: site.health.status, timeoutMs: parseDuration(site.health.timeout) },
    force: Boolean(request.force),
    restore,
    changes,
    oldTtlSeconds: oldTtlSeconds(config, request.to),
    verifyTimeoutMs: 120_000,
    drill: request.drill ? { back: drillChanges(config, from ?? primarySite(config)) } : null,
  });
  const summary = { dryRun: Boolean(request.dryRun), environment, from, to: request.to, plan };
  if (request.dryRun) return { ...summary, rollback: null };

  const kind: RollbackKind = request.drill ? 'drill' : (request.kind ?? 'manual');
  const what = request.drill ? 'failover drill' : request.to === primarySite(config) ? 'failback' : 'failover';
  const reason = request.reason?.trim() || `${what} to site ${request.to} requested by ${request.actor.name}`;
  const rollback = await ctx.store.createRollback(
    {
      service: SITES_SERVICE,
      environment,
      kind,
      scope: 'site',
      fromRevision: null,
      toRevision: 0,
      reason,
      requestedBy: request.actor.name,
      steps: plan,
    },
    ctx.clock.now(),
  );
  await ctx.emit({
    type: 'rollback.initiated',
    service: SITES_SERVICE,
    environment,
    rollbackId: rollback.id,
    actor: request.actor.name,
    message: `${what}: site ${from ?? '(unknown)'} → site ${request.to}; ${reason}`,
    data: {
      kind,
      fromVersion: `site ${from ?? '(unknown)'}`,
      toVersion: `site ${request.to}`,
      reason,
      steps: plan.map((s) => s.title),
    },
  });
  return { ...summary, rollback };
}
