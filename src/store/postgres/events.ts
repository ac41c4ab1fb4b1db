import { newId } from '../../core/ids.js';
import type { Approval, ApprovalStatus, NewEvent, RewindEvent } from '../../core/model.js';
import type { EventQuery } from '../../core/ports/store.js';
import { toApproval, toEvent } from '../sqlite/rows.js';
import type { Db } from './db.js';
import { where } from './db.js';

type NewApproval = Omit<Approval, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'decisionReason' | 'createdAt'>;

/** The append-only event log and the approvals. */
export function eventQueries(db: Db) {
  const approval = async (id: string): Promise<Approval | null> => {
    const [row] = await db.query('SELECT * FROM approvals WHERE id = $1', [id]);
    return row ? toApproval(row) : null;
  };
  return {
    appendEvent: async (event: NewEvent, at: number): Promise<RewindEvent> => {
      const row: Omit<RewindEvent, 'id'> = {
        at: event.at ?? at,
        type: event.type,
        service: event.service ?? null,
        environment: event.environment ?? null,
        rollbackId: event.rollbackId ?? null,
        revision: event.revision ?? null,
        actor: event.actor ?? 'rewind',
        message: event.message ?? '',
        data: event.data ?? {},
      };
      const [saved] = await db.query<{ id: string }>(
        'INSERT INTO events (at, type, service, environment, rollback_id, revision, actor, message, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id',
        [
          row.at,
          row.type,
          row.service,
          row.environment,
          row.rollbackId,
          row.revision,
          row.actor,
          row.message,
          JSON.stringify(row.data),
        ],
      );
      return { id: Number(saved?.id), ...row };
    },
    listEvents: async (query: EventQuery = {}): Promise<RewindEvent[]> => {
      if (query.environments?.length === 0) return [];
      const filter = where({
        'service =': query.service,
        'environment =': query.environment,
        environment: query.environments,
        'rollback_id =': query.rollbackId,
        'id >': query.afterId,
        'at >=': query.since,
        'LOWER(actor) =': query.actor?.toLowerCase(),
        type: query.types,
      });
      const order = query.newest ? 'DESC' : 'ASC';
      const sql = `SELECT * FROM events ${filter.sql} ORDER BY id ${order} LIMIT $${filter.args.length + 1}`;
      const rows = (await db.query(sql, [...filter.args, query.limit ?? 1000])).map(toEvent);
      return query.newest ? rows.reverse() : rows;
    },
    getEvent: async (id: number): Promise<RewindEvent | null> => {
      const [row] = await db.query('SELECT * FROM events WHERE id = $1', [id]);
      return row ? toEvent(row) : null;
    },

    createApproval: async (input: NewApproval, at: number): Promise<Approval> => {
      const id = newId('ap', at);
      await db.query(
        `INSERT INTO approvals (id, service, environment, action, rollback_id, reason, requested_by, status, deadline, on_timeout, payload, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11)`,
        [
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
        ],
      );
      return (await approval(id)) as Approval;
    },
    getApproval: approval,
    listApprovals: async (query: { status?: ApprovalStatus[]; service?: string; environment?: string } = {}) => {
      const filter = where({ status: query.status, 'service =': query.service, 'environment =': query.environment });
      return (await db.query(`SELECT * FROM approvals ${filter.sql} ORDER BY created_at DESC`, filter.args)).map(
        toApproval,
      );
    },
    // Compare-and-set on `pending`: two approvers racing decide it once.
    decideApproval: async (
      id: string,
      decision: { status: Exclude<ApprovalStatus, 'pending'>; by: string; reason: string | null },
      at: number,
    ) => {
      const rows = await db.query(
        "UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4 WHERE id = $5 AND status = 'pending' RETURNING *",
        [decision.status, decision.by, at, decision.reason, id],
      );
      return rows[0] ? toApproval(rows[0]) : null;
    },
  };
}
