import type { Database } from 'better-sqlite3';
import { conflict, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { RollbackDetail, RollbackStatus } from '../../core/model.js';
import type { NewRollback, RollbackQuery } from '../../core/ports/store.js';
import { toJournal, toRollback, toStep } from './rows.js';
import { where } from './where.js';

type Row = Record<string, unknown>;

export function rollbackQueries(db: Database) {
  const detail = (id: string): RollbackDetail | null => {
    const row = db.prepare('SELECT * FROM rollbacks WHERE id = ?').get(id) as Row | undefined;
    if (!row) return null;
    return {
      ...toRollback(row),
      steps: (db.prepare('SELECT * FROM steps WHERE rollback_id = ? ORDER BY idx').all(id) as Row[]).map(toStep),
      journal: (
        db.prepare('SELECT * FROM journal WHERE rollback_id = ? ORDER BY step_idx, attempt').all(id) as Row[]
      ).map(toJournal),
    };
  };

  // The plan is saved with the rollback in one transaction, before anything runs.
  const insert = db.transaction((input: NewRollback, at: number): RollbackDetail => {
    const active = db
      .prepare("SELECT id FROM rollbacks WHERE service = ? AND environment = ? AND status IN ('planned', 'running')")
      .get(input.service, input.environment) as { id: string } | undefined;
    if (active) {
      throw conflict(`a rollback of ${input.service} in ${input.environment} is already in progress (${active.id})`, {
        activeRollbackId: active.id,
      });
    }
    const id = newId('rb', at);
    db.prepare(
      `INSERT INTO rollbacks (id, service, environment, kind, scope, status, from_revision, to_revision, reason, requested_by, created_at)
       VALUES (?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?, ?)`,
    ).run(
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
    );
    const step = db.prepare(
      `INSERT INTO steps (rollback_id, idx, name, title, params, timeout_ms, on_failure, validation, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    );
    input.steps.forEach((s, idx) => {
      step.run(id, idx, s.name, s.title, JSON.stringify(s.params), s.timeoutMs, s.onFailure, s.validation ? 1 : 0);
    });
    return detail(id) as RollbackDetail;
  });

  const createRollback = async (input: NewRollback, at: number): Promise<RollbackDetail> => {
    try {
      return insert(input, at);
    } catch (error) {
      // two writers racing past the check still meet the partial unique index
      if (error instanceof Error && /UNIQUE constraint failed: rollbacks\.service/.test(error.message)) {
        throw conflict(`a rollback of ${input.service} in ${input.environment} is already in progress`);
      }
      throw error;
    }
  };

  const beginStep = db.transaction((rollbackId: string, index: number, at: number): number => {
    const row = db.prepare('SELECT attempts FROM steps WHERE rollback_id = ? AND idx = ?').get(rollbackId, index) as
      { attempts: number } | undefined;
    if (!row) throw notFound(`step ${index} of rollback ${rollbackId}`);
    const attempt = row.attempts + 1;
    db.prepare(
      "UPDATE steps SET status = 'running', attempts = ?, started_at = COALESCE(started_at, ?), error = NULL WHERE rollback_id = ? AND idx = ?",
    ).run(attempt, at, rollbackId, index);
    db.prepare(
      "INSERT INTO journal (rollback_id, step_idx, attempt, status, started_at) VALUES (?, ?, ?, 'running', ?)",
    ).run(rollbackId, index, attempt, at);
    return attempt;
  });

  const finishStep = db.transaction(
    (
      rollbackId: string,
      index: number,
      attempt: number,
      result: { status: 'done' | 'failed' | 'skipped'; output: string | null; error: string | null },
      at: number,
    ) => {
      db.prepare(
        'UPDATE steps SET status = ?, output = ?, error = ?, finished_at = ? WHERE rollback_id = ? AND idx = ?',
      ).run(result.status, result.output, result.error, at, rollbackId, index);
      db.prepare(
        'UPDATE journal SET status = ?, output = ?, error = ?, finished_at = ? WHERE rollback_id = ? AND step_idx = ? AND attempt = ?',
      ).run(
        result.status === 'skipped' ? 'done' : result.status,
        result.output,
        result.error,
        at,
        rollbackId,
        index,
        attempt,
      );
      return toStep(db.prepare('SELECT * FROM steps WHERE rollback_id = ? AND idx = ?').get(rollbackId, index) as Row);
    },
  );

  return {
    createRollback,
    getRollback: async (id: string) => detail(id),
    listRollbacks: async (query: RollbackQuery = {}) => {
      if (query.environments?.length === 0) return [];
      const filter = where({
        'service =': query.service,
        'environment =': query.environment,
        environment: query.environments,
        status: query.status,
      });
      const sql = `SELECT * FROM rollbacks ${filter.sql} ORDER BY created_at DESC, id DESC LIMIT ?`;
      return (db.prepare(sql).all(...filter.args, query.limit ?? 100) as Row[]).map(toRollback);
    },
    setRollbackStatus: async (id: string, status: RollbackStatus, at: number, error: string | null = null) => {
      const terminal = status !== 'planned' && status !== 'running';
      db.prepare(
        `UPDATE rollbacks SET status = ?, error = COALESCE(?, error),
           started_at = CASE WHEN ? = 'running' THEN COALESCE(started_at, ?) ELSE started_at END,
           finished_at = CASE WHEN ? THEN ? ELSE finished_at END
         WHERE id = ?`,
      ).run(status, error, status, at, terminal ? 1 : 0, at, id);
      const row = db.prepare('SELECT * FROM rollbacks WHERE id = ?').get(id) as Row | undefined;
      if (!row) throw notFound(`rollback ${id}`);
      return toRollback(row);
    },
    beginStep: async (rollbackId: string, index: number, at: number) => beginStep(rollbackId, index, at),
    finishStep: async (...args: Parameters<typeof finishStep>) => finishStep(...args),
    interruptAttempt: async (rollbackId: string, index: number, attempt: number, at: number, reason?: string) => {
      db.prepare(
        "UPDATE journal SET status = 'interrupted', error = ?, finished_at = ? WHERE rollback_id = ? AND step_idx = ? AND attempt = ? AND status = 'running'",
      ).run(reason ?? 'the controller stopped while this attempt ran', at, rollbackId, index, attempt);
    },
    recordAttemptProcess: async (
      rollbackId: string,
      index: number,
      attempt: number,
      processGroup: number,
      owner: string | null = null,
    ) => {
      db.prepare(
        'UPDATE journal SET process_group = ?, process_owner = ? WHERE rollback_id = ? AND step_idx = ? AND attempt = ?',
      ).run(processGroup, owner, rollbackId, index, attempt);
    },
    journal: async (rollbackId: string) =>
      (
        db.prepare('SELECT * FROM journal WHERE rollback_id = ? ORDER BY step_idx, attempt').all(rollbackId) as Row[]
      ).map(toJournal),
  };
}
