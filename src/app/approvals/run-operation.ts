import type { Approval } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { createDbApi } from '../db/db-api.js';
import type { DrillFault } from '../drill/fault-injection.js';
import type { DrillRequest } from '../drill/run-drill.js';
import type { ApprovalPayload } from './execute.js';

/**
 * Runs an approved drill or database change, recorded as the identity that
 * asked for it (the approver is on the approval).
 */
export async function runApprovedOperation(
  ctx: AppContext,
  approval: Approval,
  drill: (request: DrillRequest) => Promise<unknown>,
): Promise<unknown> {
  const payload = approval.payload as unknown as ApprovalPayload;
  const actor = { name: approval.requestedBy };
  if (payload.kind === 'drill') {
    const { fault, ...rest } = payload.request;
    return drill({ ...rest, ...(fault ? { fault: fault as DrillFault } : {}), actor, approved: true });
  }
  if (payload.kind !== 'db') return null;
  const db = createDbApi(ctx);
  const who = { ...(payload.database ? { database: payload.database } : {}), actor: actor.name };
  const request = payload.request;
  if (payload.op === 'restore') return db.restore(who, payload.backupId ?? '', request);
  if (payload.op === 'migrate-down') return db.migrateDown(who, request as { to: string });
  return db.readOnly(who, request.on === true);
}
