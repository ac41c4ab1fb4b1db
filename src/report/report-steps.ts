import type { RewindEvent, RollbackDetail, StepStatus } from '../core/model.js';

export interface ReportAttempt {
  attempt: number;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  error: string | null;
}

/** One step of the rollback as the report shows it: what ran, how long, how it ended. */
export interface ReportStep {
  index: number;
  name: string;
  title: string;
  /** the outcome: done · failed · skipped · pending (never reached) · running */
  status: StepStatus;
  onFailure: string;
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  error: string | null;
  output: string | null;
  journal: ReportAttempt[];
}

/**
 * The steps from the persisted plan and its journal (STYLE.md §2: every step ends
 * recorded as data). When the detail has no steps (an old or partial record), the
 * `rollback.step-*` events stand in, so the report still says what happened.
 */
export function buildSteps(rollback: RollbackDetail, events: readonly RewindEvent[]): ReportStep[] {
  if (rollback.steps.length > 0) {
    return [...rollback.steps]
      .sort((a, b) => a.index - b.index)
      .map((step) => {
        const journal = rollback.journal
          .filter((entry) => entry.stepIndex === step.index)
          .sort((a, b) => a.attempt - b.attempt)
          .map((entry) => ({
            attempt: entry.attempt,
            status: entry.status,
            startedAt: entry.startedAt,
            finishedAt: entry.finishedAt,
            durationMs: entry.finishedAt === null ? null : entry.finishedAt - entry.startedAt,
            error: entry.error,
          }));
        const finishedEvent = events.find(
          (event) => event.type === 'rollback.step-finished' && event.data.index === step.index,
        );
        const eventDuration = typeof finishedEvent?.data.durationMs === 'number' ? finishedEvent.data.durationMs : null;
        return {
          index: step.index,
          name: step.name,
          title: step.title,
          status: step.status,
          onFailure: step.onFailure,
          attempts: Math.max(step.attempts, journal.length),
          startedAt: step.startedAt,
          finishedAt: step.finishedAt,
          durationMs:
            step.startedAt !== null && step.finishedAt !== null ? step.finishedAt - step.startedAt : eventDuration,
          error: step.error,
          output: step.output,
          journal,
        };
      });
  }
  const byIndex = new Map<number, ReportStep>();
  for (const event of events) {
    if (!event.type.startsWith('rollback.step-') || typeof event.data.index !== 'number') continue;
    const index = event.data.index;
    const step = byIndex.get(index) ?? {
      index,
      name: String(event.data.name ?? ''),
      title: String(event.data.title ?? event.data.name ?? ''),
      status: 'running' as StepStatus,
      onFailure: '',
      attempts: 0,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      error: null,
      output: null,
      journal: [],
    };
    if (event.type === 'rollback.step-started') {
      step.attempts += 1;
      step.startedAt ??= event.at;
      step.status = 'running';
    } else if (event.type === 'rollback.step-finished') {
      step.status = (event.data.status as StepStatus | undefined) ?? 'done';
      step.finishedAt = event.at;
      step.durationMs =
        typeof event.data.durationMs === 'number'
          ? event.data.durationMs
          : step.startedAt === null
            ? null
            : event.at - step.startedAt;
    } else if (event.type === 'rollback.step-failed') {
      step.status = 'failed';
      step.finishedAt = event.at;
      step.error = typeof event.data.error === 'string' ? event.data.error : null;
      step.durationMs = step.startedAt === null ? null : event.at - step.startedAt;
    }
    byIndex.set(index, step);
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}
