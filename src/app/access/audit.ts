import type { Identity } from '../../core/access.js';
import type { RewindEvent } from '../../core/model.js';
import type { AppContext } from '../context.js';

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
    const touched = entry.environments ?? null;
    await ctx.store.appendEvent(
      {
        type: AUDIT_EVENT,
        actor: who,
        // an entry of one environment is seen by that environment's tokens; others only by unlimited ones
        ...(touched?.length === 1 ? { environment: touched[0] } : {}),
        message: `${entry.method} ${entry.route} by ${who}${entry.identity ? ` (${entry.identity.role})` : ''}: ${entry.status}${dropped ? ` (${dropped} refusals from ${entry.remoteAddress} not kept in the last minute)` : ''}`,
        data: {
          token: entry.identity?.name ?? null,
          role: entry.identity?.role ?? null,
          method: entry.method,
          route: entry.route,
          status: entry.status,
          outcome,
          remoteAddress: entry.remoteAddress,
          environments: touched,
          ...(dropped ? { refusalsNotKept: dropped } : {}),
        },
      },
      ctx.clock.now(),
    );
  };
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
