/**
 * The deploy gate: may this version of a service be deployed to this environment
 * now? Asked by every deploy (Rewind's own, and outside tools through
 * `rewind gate` and `GET /v1/gate`), so a rolled-back release stays rolled back
 * and a freeze holds. Rollbacks never pass through here.
 */
import { ExitCode, UserError } from '../../core/errors.js';
import type { ActiveFreeze } from '../../core/freeze-windows.js';
import type { Actor, AppContext } from '../context.js';
import { resolveEnvironment, serviceConfig } from '../context.js';
import { activeFreezes } from './freezes.js';
import type { QuarantineEntry } from './quarantine.js';
import { namesRelease, quarantinedIn } from './quarantine.js';

export interface GateQuery {
  service: string;
  version: string;
  environment?: string;
}

export interface GateAnswer {
  service: string;
  environment: string;
  version: string;
  allowed: boolean;
  /** why not, with what to run; null when allowed */
  reason: string | null;
  quarantine: QuarantineEntry | null;
  freezes: ActiveFreeze[];
}

const when = (at: number | null): string => (at === null ? 'it is ended by hand' : new Date(at).toISOString());

export function quarantineReason(entry: QuarantineEntry): string {
  const by = entry.rollbackId
    ? ` by rollback ${entry.rollbackId}${entry.rollbackReason ? ` (${entry.rollbackReason})` : ''}`
    : '';
  return (
    `${entry.service} ${entry.version} (revision ${entry.revision}) is quarantined in ${entry.environment}: ` +
    `rolled back${by} at ${new Date(entry.since).toISOString()}; lift it with: rewind quarantine lift ` +
    `${entry.service} ${entry.version} --env ${entry.environment} --reason "<why it is safe now>"`
  );
}

export function freezeReason(service: string, environment: string, freezes: readonly ActiveFreeze[]): string {
  const list = freezes.map((f) => `"${f.name}" until ${when(f.endsAt)}${f.reason ? ` (${f.reason})` : ''}`).join('; ');
  return (
    `deploys of ${service} to ${environment} are frozen: ${list}. Rollbacks are still allowed; ` +
    `deploy anyway with --break-glass --reason "<why>" (approver role)`
  );
}

/** The gate's answer for one version; a version never deployed is not quarantined. */
export async function gate(ctx: AppContext, query: GateQuery): Promise<GateAnswer> {
  serviceConfig(ctx, query.service);
  const environment = resolveEnvironment(ctx, query.service, query.environment);
  const quarantine =
    (await quarantinedIn(ctx, query.service, environment)).find((e) => namesRelease(e, query.version)) ?? null;
  const freezes = await activeFreezes(ctx, query.service, environment);
  const reasons = [
    ...(quarantine ? [quarantineReason(quarantine)] : []),
    ...(freezes.length ? [freezeReason(query.service, environment, freezes)] : []),
  ];
  return {
    service: query.service,
    environment,
    version: query.version,
    allowed: reasons.length === 0,
    reason: reasons.length ? reasons.join('\n') : null,
    quarantine,
    freezes,
  };
}

export interface DeployPermission {
  service: string;
  environment: string;
  version: string;
  /** deploy a quarantined version anyway */
  force?: boolean;
  /** deploy through a freeze: the reason is recorded and notified */
  breakGlass?: { reason: string } | undefined;
  actor: Actor;
}

/**
 * Refuses a forward deploy that the gate does not allow (exit 5, HTTP 423),
 * unless forced past a quarantine or breaking the glass of a freeze. Breaking the
 * glass is an audit event that is also notified.
 */
export async function assertDeployAllowed(ctx: AppContext, request: DeployPermission): Promise<void> {
  const answer = await gate(ctx, request);
  if (answer.quarantine && !request.force)
    throw new UserError('QUARANTINED', `${quarantineReason(answer.quarantine)}; or deploy it anyway with --force`, {
      status: 423,
      exitCode: ExitCode.notAllowed,
      details: { quarantine: answer.quarantine },
    });
  if (answer.freezes.length === 0) return;
  const reason = request.breakGlass?.reason.trim();
  if (!reason)
    throw new UserError('FROZEN', freezeReason(request.service, request.environment, answer.freezes), {
      status: 423,
      exitCode: ExitCode.notAllowed,
      details: { freezes: answer.freezes },
    });
  await ctx.emit({
    type: 'freeze.broken',
    service: request.service,
    environment: request.environment,
    actor: request.actor.name,
    message: `${request.actor.name} deploys ${request.service} ${request.version} to ${request.environment} through the freeze ${answer.freezes.map((f) => `"${f.name}"`).join(', ')}: ${reason}`,
    data: { version: request.version, reason, freezes: answer.freezes.map((f) => f.name) },
  });
}
