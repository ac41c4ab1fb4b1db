import type { Clock } from './clock.js';
import { errorMessage, notFound } from './errors.js';
import type { NewEvent, Rollback, RollbackDetail, Step, StepName } from './model.js';
import { isTerminalRollback } from './model.js';
import type { Store } from './ports/store.js';
import type { StepHandler } from './step-attempt.js';
import { attemptStep } from './step-attempt.js';
import { alreadyLogged, clip } from './step-output.js';

export type { StepContext, StepHandler } from './step-attempt.js';

export interface ExecutorDeps {
  store: Store;
  clock: Clock;
  handlers: Partial<Record<StepName, StepHandler>>;
  emit(event: NewEvent): Promise<unknown>;
  redact(text: string): string;
  /** aborting stops between steps and aborts the running one (shutdown) */
  signal?: AbortSignal;
  /**
   * Stops what a crashed attempt started if it still runs; resolves with a line for
   * the journal when there was something to stop, null when it had already ended.
   * Default: none (nothing is started outside this process).
   */
  stopOrphan?(processGroup: number, owner: string | null): Promise<{ stopped: boolean; line: string } | null>;
  /** who a process group is (host, boot, start time), journaled with it */
  processOwner?(processGroup: number): string | null;
  /** how long a timed-out handler gets to let go of its work before the failure is journaled; default 5 s */
  abortGraceMs?: number;
}

const reload = async (store: Store, id: string) => (await store.getRollback(id)) as RollbackDetail;

/**
 * The journaled executor (DESIGN.md): the plan was saved before this runs; each
 * step is saved `running` before it starts and `done`/`failed` with its output
 * after. Called on a rollback left `running` by a crash, it stops what the crashed
 * attempt left running, closes that attempt as `interrupted` and runs the step
 * again (steps are idempotent). A failed `abort` step is final: resuming escalates,
 * it never carries on past it. A store error propagates with the rollback still
 * `running`, so whoever runs it next resumes it.
 */
export async function runRollback(id: string, deps: ExecutorDeps): Promise<RollbackDetail> {
  const { store, clock } = deps;
  const detail = await store.getRollback(id);
  if (!detail) throw notFound(`rollback ${id}`);
  if (isTerminalRollback(detail.status)) return detail;
  if (detail.status === 'planned') await store.setRollbackStatus(id, 'running', clock.now());

  for (const step of detail.steps) {
    if (step.status === 'done' || step.status === 'skipped') continue;
    if (step.status === 'failed') {
      if (step.onFailure === 'abort') return escalate(detail, step.index, deps);
      continue;
    }
    if (deps.signal?.aborted) return reload(store, id);
    if (step.status === 'running') await closeCrashedAttempt(detail, step, deps);
    const ran = await runStep(detail, step, deps);
    // shutting down: the attempt is journaled `interrupted` and the next controller runs it again
    if (deps.signal?.aborted) return reload(store, id);
    if (ran === 'failed' && step.onFailure === 'abort') return escalate(detail, step.index, deps);
    if (typeof ran === 'object') return finish(detail, ran.superseded, deps);
  }
  return finish(detail, null, deps);
}

/** Ends a rollback whose steps all ran, or whose rest a newer change made moot (`superseded` says which). */
async function finish(detail: Rollback, superseded: string | null, deps: ExecutorDeps): Promise<RollbackDetail> {
  const { store, clock } = deps;
  const finished = await store.setRollbackStatus(detail.id, superseded ? 'superseded' : 'succeeded', clock.now());
  const durationMs = (finished.finishedAt ?? clock.now()) - (finished.startedAt ?? finished.createdAt);
  const what = `rollback of ${detail.service} in ${detail.environment} to revision ${detail.toRevision}`;
  await deps.emit({
    ...eventBase(detail),
    // one end event either way: reports, notifications and paging resolve alike
    type: 'rollback.completed',
    message: superseded ? `${what} completed; ${superseded}` : `${what} completed`,
    data: { durationMs, toRevision: detail.toRevision, ...(superseded ? { superseded } : {}) },
  });
  return reload(store, detail.id);
}

const eventBase = (rollback: Rollback) => ({
  service: rollback.service,
  environment: rollback.environment,
  rollbackId: rollback.id,
});

async function escalate(rollback: Rollback, index: number, deps: ExecutorDeps): Promise<RollbackDetail> {
  const failed = await reload(deps.store, rollback.id);
  const step = failed.steps[index] as Step;
  const reason = `step ${index + 1} "${step.title}" failed: ${step.error ?? 'unknown error'}`;
  await deps.store.setRollbackStatus(rollback.id, 'escalated', deps.clock.now(), reason);
  await deps.emit({
    ...eventBase(rollback),
    type: 'rollback.escalated',
    message: `rollback escalated: ${reason}`,
    data: { reason, step: index },
  });
  return reload(deps.store, rollback.id);
}

/** A crash happened inside this step: stop its orphan, journal both, then it runs again. */
async function closeCrashedAttempt(rollback: RollbackDetail, step: Step, deps: ExecutorDeps): Promise<void> {
  const previous = rollback.journal.find((j) => j.stepIndex === step.index && j.attempt === step.attempts);
  let reason: string | undefined;
  if (previous?.processGroup && deps.stopOrphan) {
    const orphan = await deps.stopOrphan(previous.processGroup, previous.processOwner ?? null);
    if (orphan) {
      reason = `the controller stopped while this attempt ran; ${orphan.line}`;
      await deps.emit({
        ...eventBase(rollback),
        type: orphan.stopped ? 'rollback.orphan-stopped' : 'rollback.orphan-unreachable',
        message: `"${step.title}": ${orphan.line} before attempt ${step.attempts + 1}`,
        data: { index: step.index, attempt: step.attempts, processGroup: previous.processGroup },
      });
    }
  }
  await deps.store.interruptAttempt(rollback.id, step.index, step.attempts, deps.clock.now(), reason);
  await deps.emit({
    ...eventBase(rollback),
    type: 'rollback.step-resumed',
    message: `resuming "${step.title}" after an interruption`,
    data: { index: step.index, name: step.name, attempt: step.attempts + 1 },
  });
}

/** How a step ended for the loop: `superseded` ends the rollback with the step's reason. */
type Ran = 'ok' | 'failed' | { superseded: string };

async function runStep(rollback: Rollback, step: Step, deps: ExecutorDeps): Promise<Ran> {
  const { store, clock } = deps;
  const base = eventBase(rollback);
  const attempt = await store.beginStep(rollback.id, step.index, clock.now());
  const started = clock.now();
  await deps.emit({
    ...base,
    type: 'rollback.step-started',
    message: step.title,
    data: { index: step.index, name: step.name, title: step.title, attempt },
  });
  const lines: string[] = [];
  const recorded: Promise<void>[] = [];
  const outcome = await attemptStep(step, deps.handlers[step.name], deps, {
    rollback,
    attempt,
    log: (line) => lines.push(line),
    onProcess: (group) => {
      // awaited once the attempt ends; a rejection before then is held here, not left unhandled
      const owner = deps.processOwner?.(group) ?? null;
      const recording = store.recordAttemptProcess(rollback.id, step.index, attempt, group, owner);
      recording.catch(() => undefined);
      recorded.push(recording);
    },
  });
  // only now the store: its errors are not the step's and propagate (the rollback stays resumable)
  await Promise.all(recorded);
  if (deps.signal?.aborted) {
    // shutting down: the step is neither done nor failed; the next controller runs it again
    // the reason the work was stopped, as the controller gave it (shut down, or no longer the leader)
    const reason: unknown = deps.signal.reason;
    const why =
      reason instanceof Error && reason.name !== 'AbortError' && reason.message
        ? reason.message
        : 'the controller shut down while this attempt ran';
    await store.interruptAttempt(rollback.id, step.index, attempt, clock.now(), why);
    return 'failed';
  }
  if (outcome.ok && outcome.output && !alreadyLogged(lines, outcome.output)) lines.push(outcome.output);
  const skipped = outcome.ok && outcome.skipped ? deps.redact(outcome.skipped) : null;
  if (skipped) lines.push(skipped);
  const status = !outcome.ok ? 'failed' : skipped ? 'skipped' : 'done';
  const output = clip(deps.redact(lines.join('\n'))) || null;
  const error = outcome.ok ? null : deps.redact(errorMessage(outcome.error));
  await store.finishStep(rollback.id, step.index, attempt, { status, output, error }, clock.now());
  const durationMs = clock.now() - started;
  await deps.emit(
    outcome.ok
      ? {
          ...base,
          type: 'rollback.step-finished',
          message: `${step.title}: ${skipped ? `skipped — ${skipped}` : 'done'}`,
          data: { index: step.index, name: step.name, status, durationMs },
        }
      : {
          ...base,
          type: 'rollback.step-failed',
          message: `${step.title}: ${error}`,
          data: { index: step.index, name: step.name, error, durationMs },
        },
  );
  if (!outcome.ok) return 'failed';
  return outcome.superseded && skipped ? { superseded: skipped } : 'ok';
}
