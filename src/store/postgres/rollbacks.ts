import { conflict, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { RollbackDetail, RollbackStatus } from '../../core/model.js';
import type { NewRollback, RollbackQuery } from '../../core/ports/store.js';
import { toJournal, toRollback, toStep } from '../sqlite/rows.js';
import type { Db } from './db.js';
import { violates, where } from './db.js';

type StepResult = { status: 'done' | 'failed' | 'skipped'; output: string | null; error: string | null };

export function rollbackQueries(db: Db) {
  const detail = async (id: string): Promise<RollbackDetail | null> => {
    const [row] = await db.query('SELECT * FROM rollbacks WHERE id = $1', [id]);
    if (!row) return null;
    const steps = await db.query('SELECT * FROM steps WHERE rollback_id = $1 ORDER BY idx', [id]);
    const journal = await db.query('SELECT * FROM journal WHERE rollback_id = $1 ORDER BY step_idx, attempt', [id]);
    return { ...toRollback(row), steps: steps.map(toStep), journal: journal.map(toJournal) };
  };

  // The plan is saved with the rollback in one transaction, before anything runs.
  const createRollback = (input: NewRollback, at: number): Promise<RollbackDetail> =>
    db
      .tx(async (tx) => {
        const [active] = await tx.query<{ id: string }>(
          "SELECT id FROM rollbacks WHERE service = $1 AND environment = $2 AND status IN ('planned', 'running')",
          [input.service, input.environment],
        );
        if (active) {
          throw conflict(
            `a rollback of ${input.service} in ${input.environment} is already in progress (${active.id})`,
            { activeRollbackId: active.id },
          );
        }
        const id = newId('rb', at);
        await tx.query(
          `INSERT INTO rollbacks (id, service, environment, kind, scope, status, from_revision, to_revision, reason, requested_by, created_at)
           VALUES ($1, $2, $3, $4, $5, 'planned', $6, $7, $8, $9, $10)`,
          [
            id,
            input.service,
            input.environment,
            input.kind,
            input.scope,
            input.fromRevision,
            input.toRevision,
            input.reason,
            input.requestedBy,
            at,
          ],
        );
        for (const [idx, s] of input.steps.entries()) {
          await tx.query(
            `INSERT INTO steps (rollback_id, idx, name, title, params, timeout_ms, on_failure, validation, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')`,
            [id, idx, s.name, s.title, JSON.stringify(s.params), s.timeoutMs, s.onFailure, s.validation ? 1 : 0],
          );
        }
        return (await rollbackQueries(tx).getRollback(id)) as RollbackDetail;
      })
      .catch((error: unknown) => {
        // two writers racing past the check still meet the partial unique index
        if (violates(error, 'rollbacks_one_active'))
          throw conflict(`a rollback of ${input.service} in ${input.environment} is already in progress`);
        throw error;
      });

  return {
    createRollback,
    getRollback: detail,
    listRollbacks: async (query: RollbackQuery = {}) => {
      if (query.environments?.length === 0) return [];
      const filter = where({
        'service =': query.service,
        'environment =': query.environment,
        environment: query.environments,
        status: query.status,
      });
      const sql = `SELECT * FROM rollbacks ${filter.sql} ORDER BY created_at DESC, id DESC LIMIT $${filter.args.length + 1}`;
      return (await db.query(sql, [...filter.args, query.limit ?? 100])).map(toRollback);
    },
    setRollbackStatus: async (id: string, status: RollbackStatus, at: number, error: string | null = null) => {
      const terminal = status !== 'planned' && status !== 'running';
      const [row] = await db.query(
        `UPDATE rollbacks SET status = $1, error = COALESCE($2, error),
           started_at = CASE WHEN $1 = 'running' THEN COALESCE(started_at, $3) ELSE started_at END,
           finished_at = CASE WHEN $4 THEN $3 ELSE finished_at END
         WHERE id = $5 RETURNING *`,
        [status, error, at, terminal, id],
      );
      if (!row) throw notFound(`rollback ${id}`);
      return toRollback(row);
    },
    beginStep: (rollbackId: string, index: number, at: number) =>
      db.tx(async (tx) => {
        const [row] = await tx.query<{ attempts: number }>(
          'SELECT attempts FROM steps WHERE rollback_id = $1 AND idx = $2 FOR UPDATE',
          [rollbackId, index],
        );
        if (!row) throw notFound(`step ${index} of rollback ${rollbackId}`);
        const attempt = Number(row.attempts) + 1;
        await tx.query(
          "UPDATE steps SET status = 'running', attempts = $1, started_at = COALESCE(started_at, $2), error = NULL WHERE rollback_id = $3 AND idx = $4",
          [attempt, at, rollbackId, index],
        );
        await tx.query(
          "INSERT INTO journal (rollback_id, step_idx, attempt, status, started_at) VALUES ($1, $2, $3, 'running', $4)",
          [rollbackId, index, attempt, at],
        );
        return attempt;
      }),
    finishStep: (rollbackId: string, index: number, attempt: number, result: StepResult, at: number) =>
      db.tx(async (tx) => {
        const [step] = await tx.query(
          'UPDATE steps SET status = $1, output = $2, error = $3, finished_at = $4 WHERE rollback_id = $5 AND idx = $6 RETURNING *',
          [result.status, result.output, result.error, at, rollbackId, index],
        );
        await tx.query(
          'UPDATE journal SET status = $1, output = $2, error = $3, finished_at = $4 WHERE rollback_id = $5 AND step_idx = $6 AND attempt = $7',
          [
            result.status === 'skipped' ? 'done' : result.status,
            result.output,
            result.error,
            at,
            rollbackId,
            index,
            attempt,
          ],
        );
        if (!step) throw notFound(`step ${index} of rollback ${rollbackId}`);
        return toStep(step);
      }),
    interruptAttempt: async (rollbackId: string, index: number, attempt: number, at: number, reason?: string) => {
      await db.query(
        "UPDATE journal SET status = 'interrupted', error = $1, finished_at = $2 WHERE rollback_id = $3 AND step_idx = $4 AND attempt = $5 AND status = 'running'",
        [reason ?? 'the controller stopped while this attempt ran', at, rollbackId, index, attempt],
      );
    },
    recordAttemptProcess: async (
      rollbackId: string,
      index: number,
      attempt: number,
      processGroup: number,
      owner: string | null = null,
    ) => {
      await db.query(
        'UPDATE journal SET process_group = $1, process_owner = $2 WHERE rollback_id = $3 AND step_idx = $4 AND attempt = $5',
        [processGroup, owner, rollbackId, index, attempt],
      );
    },
    journal: async (rollbackId: string) =>
      (await db.query('SELECT * FROM journal WHERE rollback_id = $1 ORDER BY step_idx, attempt', [rollbackId])).map(
        toJournal,
      ),
  };
}
