import { errorMessage } from '../../core/errors.js';
import { formatDuration } from '../../core/duration.js';
import type { RewindEvent } from '../../core/model.js';
import { writeIncidentReport } from '../../report/index.js';
import type { AppContext } from '../context.js';
import { incidentReport } from './incident.js';
import { recordFailedLogs } from './failed-logs.js';

/** The events that end a rollback, whatever its outcome. */
export const ROLLBACK_END_TYPES: readonly string[] = ['rollback.completed', 'rollback.escalated', 'rollback.failed'];

export interface ReportWriter {
  /** give it every event; it acts on rollback ends only and returns at once */
  onEvent(event: RewindEvent): void;
  /** waits for reports being written; idempotent */
  stop(): Promise<void>;
}

/**
 * When a rollback ends (succeeded, escalated, failed) the incident report is
 * written to `<stateDir>/incidents/<date>-<service>-<id>.md` and each missed
 * recovery target is announced as `target.missed` {target, measuredMs, targetMs}
 *. All of it runs in the background: the event listener returns
 * at once, so neither a slow disk nor a broken report can delay a rollback.
 */
export function createReportWriter(ctx: AppContext): ReportWriter {
  const pending = new Set<Promise<void>>();
  let stopped = false;

  async function record(event: RewindEvent): Promise<void> {
    const rollbackId = event.rollbackId as string;
    const base = { service: event.service, environment: event.environment, rollbackId, actor: 'rewind' };
    try {
      // a rollback that stopped before retiring the bad release has not read its logs yet
      const rollback = await ctx.store.getRollback(rollbackId);
      if (rollback) await recordFailedLogs(ctx, rollback).catch(() => undefined);
      const report = await incidentReport(ctx, rollbackId);
      const path = await writeIncidentReport(ctx.loaded.stateDir, report);
      for (const check of report.recovery.checks) {
        if (check.result !== 'miss' || check.measuredMs === null) continue;
        await ctx.emit({
          ...base,
          type: 'target.missed',
          message: `recovery target ${check.target} missed: ${formatDuration(check.measuredMs)} measured, target ${formatDuration(check.targetMs)}`,
          data: { target: check.target, measuredMs: check.measuredMs, targetMs: check.targetMs },
        });
      }
      await ctx.emit({
        ...base,
        type: 'report.written',
        message: `incident report written to ${path}`,
        data: { path, allTargetsMet: report.recovery.allTargetsMet },
      });
    } catch (error) {
      await ctx
        .emit({
          ...base,
          type: 'report.failed',
          message: `could not write the incident report: ${errorMessage(error)}`,
          data: {},
        })
        .catch(() => undefined);
    }
  }

  return {
    onEvent(event) {
      if (stopped || !event.rollbackId || !ROLLBACK_END_TYPES.includes(event.type)) return;
      // setImmediate: not even the first store read runs inside the rollback's emit
      const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() => record(event));
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
    async stop() {
      stopped = true;
      await Promise.allSettled([...pending]);
    },
  };
}
