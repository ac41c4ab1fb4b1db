/**
 * Which freezes cover a service now: the configured windows, ad-hoc freezes
 * started with `rewind freeze start` (kept as events, so the audit log is their
 * record) and, with `policy.freezeOnIncident`, the incident freeze that holds
 * forward deploys while a rollback of the service runs or is escalated. A freeze
 * only ever refuses forward deploys; rollbacks never ask it.
 */
import { UserError } from '../../core/errors.js';
import type { ActiveFreeze, FreezeRule } from '../../core/freeze-windows.js';
import { activeConfigFreezes } from '../../core/freeze-windows.js';
import type { RewindEvent } from '../../core/model.js';
import type { Actor, AppContext } from '../context.js';
import { allEvents } from '../record/incident.js';

export const FREEZE_STARTED = 'freeze.started';
export const FREEZE_ENDED = 'freeze.ended';
const INCIDENT_STATUSES = new Set(['planned', 'running', 'escalated', 'failed']);

const scopeOf = (event: RewindEvent): string => `${event.environment ?? '*'}/${event.service ?? '*'}`;

/** The ad-hoc freezes still open: the newest start of a scope with no end after it. */
export async function openAdHocFreezes(ctx: AppContext): Promise<RewindEvent[]> {
  const events = await allEvents(ctx, { types: [FREEZE_STARTED, FREEZE_ENDED] });
  const last = new Map<string, RewindEvent>();
  for (const event of events) if (event.data.rollbackId === undefined) last.set(scopeOf(event), event);
  return [...last.values()].filter((e) => e.type === FREEZE_STARTED);
}

async function incidentFreeze(ctx: AppContext, service: string, environment: string): Promise<ActiveFreeze | null> {
  const overrides = ctx.loaded.config.environments[environment]?.policy;
  const on = overrides?.freezeOnIncident ?? ctx.loaded.config.policy.freezeOnIncident;
  if (!on) return null;
  const rollbacks = await ctx.store.listRollbacks({ service, environment, limit: 20 });
  const latest = rollbacks.filter((r) => r.kind !== 'drill').sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!latest || !INCIDENT_STATUSES.has(latest.status)) return null;
  const ended = await allEvents(ctx, { service, environment, types: [FREEZE_ENDED] });
  if (ended.some((e) => e.data.rollbackId === latest.id)) return null;
  return {
    name: 'incident',
    reason: `rollback ${latest.id} of ${service} is ${latest.status} (${latest.reason})`,
    startedAt: latest.createdAt,
    endsAt: null,
    source: 'incident',
    rollbackId: latest.id,
  };
}

/** Every freeze that refuses a forward deploy of this service in this environment now. */
export async function activeFreezes(ctx: AppContext, service: string, environment: string): Promise<ActiveFreeze[]> {
  const rules = ctx.loaded.config.freezes as FreezeRule[];
  const out = activeConfigFreezes(rules, ctx.clock.now(), service, environment);
  for (const event of await openAdHocFreezes(ctx)) {
    const covers =
      (event.environment === null || event.environment === environment) &&
      (event.service === null || event.service === service);
    if (covers)
      out.push({
        name: String(event.data.name ?? 'ad-hoc'),
        reason: String(event.data.reason ?? ''),
        startedAt: event.at,
        endsAt: null,
        source: 'ad-hoc',
      });
  }
  const incident = await incidentFreeze(ctx, service, environment);
  if (incident) out.push(incident);
  return out;
}

export interface FreezeRequest {
  environment: string;
  service?: string;
  reason?: string;
  actor: Actor;
}

function checkScope(ctx: AppContext, request: FreezeRequest): void {
  const declared = Object.keys(ctx.loaded.config.environments);
  if (!declared.includes(request.environment))
    throw new UserError(
      'UNKNOWN_ENVIRONMENT',
      `unknown environment "${request.environment}" (declared: ${declared.join(', ') || 'none'})`,
      { exitCode: 2 },
    );
  if (request.service && !ctx.loaded.config.services[request.service])
    throw new UserError('NOT_FOUND', `service "${request.service}" not found in ${ctx.loaded.file}`, {
      status: 404,
      exitCode: 2,
    });
}

/** `rewind freeze start`: an ad-hoc freeze of an environment (or one service in it) until `freeze end`. */
export async function startFreeze(ctx: AppContext, request: FreezeRequest): Promise<RewindEvent> {
  checkScope(ctx, request);
  const reason = request.reason?.trim() ?? '';
  if (!reason) throw new UserError('REASON_REQUIRED', 'say why deploys are frozen: --reason "<why>"', { exitCode: 2 });
  const scope = request.service ? `${request.service} in ${request.environment}` : request.environment;
  return ctx.emit({
    type: FREEZE_STARTED,
    environment: request.environment,
    service: request.service ?? null,
    actor: request.actor.name,
    message: `deploys to ${scope} frozen: ${reason}`,
    data: { name: 'ad-hoc', reason },
  });
}

/**
 * `rewind freeze end`: ends the ad-hoc freeze of that scope, and an incident
 * freeze of the service when one holds (the incident was resolved by hand).
 */
export async function endFreeze(ctx: AppContext, request: FreezeRequest): Promise<RewindEvent[]> {
  checkScope(ctx, request);
  const ended: RewindEvent[] = [];
  const open = (await openAdHocFreezes(ctx)).find(
    (e) => e.environment === request.environment && e.service === (request.service ?? null),
  );
  const why = request.reason?.trim() ? `: ${request.reason.trim()}` : '';
  if (open)
    ended.push(
      await ctx.emit({
        type: FREEZE_ENDED,
        environment: request.environment,
        service: request.service ?? null,
        actor: request.actor.name,
        message: `freeze of ${request.service ? `${request.service} in ` : ''}${request.environment} ended${why}`,
        data: { name: 'ad-hoc', startedAt: open.at, ...(request.reason ? { reason: request.reason } : {}) },
      }),
    );
  const services = request.service ? [request.service] : Object.keys(ctx.loaded.config.services);
  for (const service of services) {
    const incident = await incidentFreeze(ctx, service, request.environment);
    const rollbackId = incident?.rollbackId;
    if (rollbackId)
      ended.push(
        await ctx.emit({
          type: FREEZE_ENDED,
          environment: request.environment,
          service,
          rollbackId,
          actor: request.actor.name,
          message: `incident freeze of ${service} in ${request.environment} ended by hand${why}`,
          data: { name: 'incident', rollbackId },
        }),
      );
  }
  if (ended.length === 0)
    throw new UserError(
      'NOT_FROZEN',
      `no ad-hoc or incident freeze of ${request.service ?? request.environment} to end`,
      {
        status: 404,
      },
    );
  return ended;
}
