/**
 * `rewind undo --all` and `rewind undo --group G`: every member with an earlier
 * good release rolled back as ONE rollback record, a step list per service,
 * dependents first, each service verified (healthy, smoke, watch) before the
 * next starts. The journaled executor runs it like any plan, so a failure stops
 * the rest and escalates; `groupOutcome` says what was and was not rolled back.
 */
import { ExitCode, UserError, conflict } from '../../core/errors.js';
import type { Approval, RollbackDetail, RollbackKind, StepSpec } from '../../core/model.js';
import { describeGroupOutcome, groupOutcome, rollbackOrder, type GroupOutcome } from '../../core/group-order.js';
import type { Actor, AppContext } from '../context.js';
import { defaultEnvironment, environmentsOf } from '../environments.js';
import { runPlanned } from '../undo.js';
import { asGroupSteps, planServicePart, type ServicePlan, type SkippedService } from './service-plan.js';

export interface GroupUndoRequest {
  /** a name under `groups`; absent = every service of the environment (`--all`) */
  group?: string;
  environment?: string;
  reason?: string;
  emergency?: boolean;
  dryRun?: boolean;
  actor: Actor;
  /** a second person approved it (protected environments) */
  approved?: boolean;
}

export interface GroupUndoResult {
  dryRun: boolean;
  group: string | null;
  environment: string;
  /** in the order they are rolled back */
  services: {
    service: string;
    from: { revision: number; version: string };
    to: { revision: number; version: string };
    plan: StepSpec[];
  }[];
  skipped: SkippedService[];
  rollback: RollbackDetail | null;
  /** once the rollback has ended */
  outcome: GroupOutcome | null;
  /** in a protected environment: the approval the whole plan waits for (rollback null) */
  approval?: Approval;
}

/** The record's name for several services: `@all` or `@<group>` (service names cannot start with @). */
export const groupRecordName = (group: string | undefined): string => `@${group ?? 'all'}`;

/** A rollback record of several services (`@all`, `@<group>`). */
export const isGroupRecord = (service: string): boolean => service.startsWith('@');

function members(ctx: AppContext, request: GroupUndoRequest): { environment: string; services: string[] } {
  const config = ctx.loaded.config;
  const environment = defaultEnvironment(ctx, request.environment);
  let services = Object.keys(config.services);
  if (request.group !== undefined) {
    const group = config.groups[request.group];
    if (!group)
      throw new UserError(
        'UNKNOWN_GROUP',
        `unknown group "${request.group}" (${ctx.loaded.file} declares: ${Object.keys(config.groups).join(', ') || 'none'} under \`groups\`)`,
        { status: 400, exitCode: ExitCode.usage },
      );
    services = services.filter((s) => group.includes(s));
  }
  services = services.filter((s) => environmentsOf(ctx, s).includes(environment));
  return { environment, services };
}

export async function planGroupUndo(ctx: AppContext, request: GroupUndoRequest): Promise<GroupUndoResult> {
  const { environment, services } = members(ctx, request);
  const kind: RollbackKind = request.emergency ? 'emergency' : 'manual';
  if (request.emergency && !request.reason?.trim())
    throw new UserError('REASON_REQUIRED', 'an emergency rollback skips validation and needs --reason "…"', {
      status: 400,
      exitCode: ExitCode.usage,
    });
  if (!request.dryRun && !request.approved && ctx.loaded.config.environments[environment]?.protected)
    throw new UserError('PROTECTED', `${environment} is protected: the rollback needs a second person's approval`, {
      status: 403,
      exitCode: ExitCode.failed,
    });
  const order = rollbackOrder(services, (s) => ctx.loaded.config.services[s]?.dependsOn ?? []);
  const parts: ServicePlan[] = [];
  const skipped: SkippedService[] = [];
  for (const service of order) {
    const part = await planServicePart(ctx, service, environment, kind, Boolean(request.emergency));
    if ('steps' in part) parts.push(part);
    else skipped.push(part);
  }
  const name = request.group ?? null;
  const result: GroupUndoResult = {
    dryRun: Boolean(request.dryRun),
    group: name,
    environment,
    services: parts.map((p) => ({
      service: p.service,
      from: { revision: p.from.revision, version: p.from.version },
      to: { revision: p.to.revision, version: p.to.version },
      plan: asGroupSteps(p),
    })),
    skipped,
    rollback: null,
    outcome: null,
  };
  if (parts.length === 0)
    throw new UserError(
      'NO_TARGET',
      `nothing to roll back in ${environment}${name ? ` for group ${name}` : ''}: ${skipped.map((s) => `${s.service}: ${s.reason}`).join('; ') || 'no services'}`,
      { status: 422, exitCode: ExitCode.failed },
    );
  if (request.dryRun) return result;

  const record = groupRecordName(request.group);
  const [active] = await ctx.store.listRollbacks({ service: record, environment, status: ['planned', 'running'] });
  if (active) throw conflict(`a rollback of ${record} in ${environment} is already in progress (${active.id})`);
  const reason = request.reason?.trim() || `${kind} rollback of ${record} requested by ${request.actor.name}`;
  const steps = result.services.flatMap((s) => s.plan);
  const rollback = await ctx.store.createRollback(
    {
      service: record,
      environment,
      kind,
      scope: 'environment',
      fromRevision: null,
      toRevision: 0,
      reason,
      requestedBy: request.actor.name,
      steps,
    },
    ctx.clock.now(),
  );
  await ctx.emit({
    type: 'rollback.initiated',
    service: record,
    environment,
    rollbackId: rollback.id,
    actor: request.actor.name,
    message: `${kind} rollback of ${parts.map((p) => `${p.service} ${p.from.version} → ${p.to.version}`).join(', ')} in ${environment}; ${reason}`,
    data: {
      kind,
      reason,
      // the report's headline and the templates read these as for one service
      fromVersion: parts.map((p) => `${p.service} ${p.from.version}`).join(', '),
      toVersion: parts.map((p) => `${p.service} ${p.to.version}`).join(', '),
      services: result.services.map((s) => ({ service: s.service, from: s.from, to: s.to })),
      skipped,
      steps: steps.map((s) => s.title),
    },
  });
  return { ...result, rollback };
}

/** Runs (or resumes) a saved rollback of several services; records what was and was not rolled back. */
export async function runGroupUndo(ctx: AppContext, id: string, signal?: AbortSignal): Promise<RollbackDetail> {
  const detail = await runPlanned(ctx, id, signal);
  if (detail.status !== 'escalated' && detail.status !== 'failed') return detail;
  const outcome = groupOutcome(detail);
  const summary = describeGroupOutcome(outcome);
  await ctx.emit({
    type: 'rollback.partial',
    service: detail.service,
    environment: detail.environment,
    rollbackId: id,
    message: `rollback ${id} stopped: ${summary}`,
    data: { ...outcome, error: detail.error },
  });
  await ctx.store.setRollbackStatus(
    id,
    detail.status,
    detail.finishedAt ?? ctx.clock.now(),
    `${summary} — ${detail.error ?? ''}`,
  );
  return (await ctx.store.getRollback(id)) as RollbackDetail;
}
