import type { Database } from 'better-sqlite3';
import { newId } from '../../core/ids.js';
import type { Approval, ApprovalStatus } from '../../core/model.js';
import { toApproval } from './rows.js';
import { where } from './where.js';

type Row = Record<string, unknown>;
type NewApproval = Omit<Approval, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'decisionReason' | 'createdAt'>;

export function approvalQueries(db: Database) {
  const get = (id: string): Approval | null => {
    const row = db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as Row | undefined;
    return row ? toApproval(row) : null;
  };
  return {
    createApproval: async (input: NewApproval, at: number): Promise<Approval> => {
      const id = newId('ap', at);
      db.prepare(
        `INSERT INTO approvals (id, service, environment, action, rollback_id, reason, requested_by, status, deadline, on_timeout, payload, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
      ).run(
        id,
        input.service,
        input.environment,
        input.action,
        input.rollbackId,
        input.reason,
        input.requestedBy,
        input.deadline,
        input.onTimeout,
        JSON.stringify(input.payload),
        at,
      );
      return get(id) as Approval;
    },
    getApproval: async (id: string) => get(id),
    listApprovals: async (query: { status?: ApprovalStatus[]; service?: string; environment?: string } = {}) => {
      const filter = where({ status: query.status, 'service =': query.service, 'environment =': query.environment });
      return (
        db.prepare(`SELECT * FROM approvals ${filter.sql} ORDER BY created_at DESC`).all(...filter.args) as Row[]
      ).map(toApproval);
    },
    // Compare-and-set on `pending`: two approvers racing decide it once.
    decideApproval: async (
      id: string,
      decision: { status: Exclude<ApprovalStatus, 'pending'>; by: string; reason: string | null },
      at: number,
    ) => {
      const result = db
        .prepare(
          "UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ? AND status = 'pending'",
        )
        .run(decision.status, decision.by, at, decision.reason, id);
      return result.changes === 1 ? get(id) : null;
    },
  };
}
