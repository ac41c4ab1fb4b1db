import type { Identity } from '../../core/access.js';
import type { RewindEvent } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { targetEnvironment } from '../context.js';

export const AUDIT_EVENT = 'audit.request';

/** One API call as the audit log keeps it. */
export interface AuditEntry {
  identity: Identity | null;
  method: string;
  /** the route pattern (`/v1/approvals/:id/approve`), or the path when no route matched */
  route: string;
  status: number;
  remoteAddress: string;
  /** the environments the call was authorized to touch, after defaults; null: none in particular */
  environments?: string[] | null;
  /** what the call acted on, from its path, query and body: service, environment, version, ids */
  target?: AuditTarget;
}

/** The names an API call carries about what it acts on. */
export interface AuditTarget {
  service?: string;
  environment?: string;
  version?: string;
  toRevision?: number;
  group?: string;
  database?: string;
  /** an approval, backup, rollback or drill id */
  id?: string;
  /** a token or feature-flag name */
  name?: string;
}

export interface AuditOptions {
  /** refusals (401/403) kept per remote address and token per minute; default 20 */
  refusalsPerMinute?: number;
}

/**
 * Records API calls in the event log (the audit log and the timeline are one
 * table): every call that changes something, and every refusal. Refusals are
 * rate-limited per remote address, so a scan cannot flood the store; the next
 * kept entry says how many were left out.
 */
export function createAuditLog(ctx: AppContext, options: AuditOptions = {}) {
  const limit = options.refusalsPerMinute ?? 20;
  const windows = new Map<string, { start: number; kept: number; dropped: number }>();
  return async (entry: AuditEntry): Promise<void> => {
    const refused = entry.status === 401 || entry.status === 403;
    let dropped = 0;
    if (refused) {
      const now = ctx.clock.now();
      // per address and token: a flood of anonymous refusals does not hide a token's own
      const key = `${entry.remoteAddress}|${entry.identity?.name ?? ''}`;
      let window = windows.get(key);
      if (!window || now - window.start >= 60_000) {
        dropped = window?.dropped ?? 0;
        window = { start: now, kept: 0, dropped: 0 };
        windows.set(key, window);
        if (windows.size > 10_000) windows.clear();
      }
      if (window.kept >= limit) {
        window.dropped += 1;
        return;
      }
      window.kept += 1;
    }
    const who = entry.identity?.name ?? 'anonymous';
    const outcome = refused ? 'refused' : entry.status >= 400 ? 'failed' : 'ok';
    const target = withEnvironment(ctx, entry.target ?? {});
    const touched = entry.environments ?? null;
    await ctx.store.appendEvent(
      {
        type: AUDIT_EVENT,
        actor: who,
        service: target.service ?? null,
        // an entry of one environment is seen by that environment's tokens; others only by unlimited ones
        environment:
          touched?.length === 1 ? (touched[0] ?? null) : touched === null ? (target.environment ?? null) : null,
        revision: target.toRevision ?? null,
        message: `${entry.method} ${entry.route}${describeTarget(target)} by ${who}${entry.identity ? ` (${entry.identity.role})` : ''}: ${entry.status}${dropped ? ` (${dropped} refusals from ${entry.remoteAddress} not kept in the last minute)` : ''}`,
        data: {
          token: entry.identity?.name ?? null,
          role: entry.identity?.role ?? null,
          method: entry.method,
          route: entry.route,
          status: entry.status,
          outcome,
          remoteAddress: entry.remoteAddress,
          target,
          environments: touched,
          ...(dropped ? { refusalsNotKept: dropped } : {}),
        },
      },
      ctx.clock.now(),
    );
  };
}

/** A call about a service without `environment` acts on the service's default one: name it. */
function withEnvironment(ctx: AppContext, target: AuditTarget): AuditTarget {
  if (!target.service || target.environment) return target;
  try {
    return { ...target, environment: targetEnvironment(ctx.loaded, target.service) };
  } catch {
    return target; // an unknown service: the call itself was refused for it
  }
}

/** ` web v2 in production`, ` approval ap_1`: what an audit row acted on, in words. */
export function describeTarget(target: AuditTarget): string {
  const parts = [
    target.group ? `group ${target.group}` : '',
    target.service ?? '',
    target.version ?? '',
    target.toRevision !== undefined ? `to r${target.toRevision}` : '',
    target.name ?? '',
    target.id ?? '',
    target.database ? `database ${target.database}` : '',
    target.environment ? `in ${target.environment}` : '',
  ].filter(Boolean);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/**
 * `rewind audit [--since 1h] [--actor alice]`: audit entries, oldest first — the
 * newest `limit` of them, read as one page from the store. `visible`: only
 * entries of these environments (a token's limit).
 */
export async function listAudit(
  ctx: AppContext,
  query: { since?: number; actor?: string; limit?: number; visible?: string[] | null },
): Promise<RewindEvent[]> {
  return ctx.store.listEvents({
    types: [AUDIT_EVENT],
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.visible ? { environments: query.visible } : {}),
    newest: true,
    limit: query.limit ?? 1000,
  });
}
