import type { Clock } from './clock.js';
import { errorMessage } from './errors.js';
import type { NewEvent, Rollback, RollbackDetail, Step, StepName } from './model.js';
import { isTerminalRollback } from './model.js';
import type { Store } from './ports/store.js';

export interface StepContext {
  rollback: Rollback;
  /** 1 for the first try; higher after a crash or retry */
  attempt: number;
  /** aborted on timeout or shutdown */
  signal: AbortSignal;
  /** a line for the journal (redacted by the executor) */
  log(line: string): void;
}

/** Runs one step; returns output for the journal. Must be idempotent. */
/**
 * A handler returns its output, or `{ skipped: reason }` when it could not do its
 * job and the plan may go on (an engine without a read-only mode): the step is
 * recorded `skipped` with the reason, never shown as done.
 */
export type StepHandler = (step: Step, context: StepContext) => Promise<string | void | { skipped: string }>;

export interface ExecutorDeps {
  store: Store;
  clock: Clock;
  handlers: Partial<Record<StepName, StepHandler>>;
  emit(event: NewEvent): Promise<unknown>;
  redact(text: string): string;
  /** aborting stops between steps and aborts the running one (shutdown) */
  signal?: AbortSignal;
}

const MAX_OUTPUT = 16_384;

const clip = (text: string): string =>
  text.length > MAX_OUTPUT ? `${text.slice(0, MAX_OUTPUT)}\n… (${text.length - MAX_OUTPUT} more characters)` : text;

class StepTimeout extends Error {
  constructor(ms: number, last?: string) {
    super(`step timed out after ${ms}ms${last ? ` (last: ${last})` : ''}`);
  }
}

/**
 * The journaled executor (DESIGN.md): the plan was saved before this runs; each
 * step is saved `running` before it starts and `done`/`failed` with its output
 * after. Called on a rollback left `running` by a crash, it closes the in-flight
 * attempt as `interrupted` and runs that step again (steps are idempotent).
 */
export async function runRollback(id: string, deps: ExecutorDeps): Promise<RollbackDetail> {
  const { store, clock } = deps;
  let detail = await store.getRollback(id);
  if (!detail) throw new Error(`rollback ${id} not found`);
  if (isTerminalRollback(detail.status)) return detail;
  if (detail.status === 'planned') await store.setRollbackStatus(id, 'running', clock.now());
  const base = { service: detail.service, environment: detail.environment, rollbackId: id };

  for (const step of detail.steps) {
    if (step.status === 'done' || step.status === 'skipped' || step.status === 'failed') continue;
    if (deps.signal?.aborted) return (await store.getRollback(id)) as RollbackDetail;
    if (step.status === 'running') {
      // a crash happened inside this step: record that, then run it again
      await store.interruptAttempt(id, step.index, step.attempts, clock.now());
      await deps.emit({
        ...base,
        type: 'rollback.step-resumed',
        message: `resuming "${step.title}" after an interruption`,
        data: { index: step.index, name: step.name, attempt: step.attempts + 1 },
      });
    }
    const ok = await runStep(detail, step, deps);
    if (!ok && step.onFailure === 'abort') {
      const failed = (await store.getRollback(id)) as RollbackDetail;
      const reason = `step ${step.index + 1} "${step.title}" failed: ${failed.steps[step.index]?.error ?? 'unknown error'}`;
      if (deps.signal?.aborted) return failed; // shutting down: resume later, do not escalate
      await store.setRollbackStatus(id, 'escalated', clock.now(), reason);
      await deps.emit({
        ...base,
        type: 'rollback.escalated',
        message: `rollback escalated: ${reason}`,
        data: { reason, step: step.index },
      });
      return (await store.getRollback(id)) as RollbackDetail;
    }
  }
  detail = (await store.getRollback(id)) as RollbackDetail;
  const finished = await store.setRollbackStatus(id, 'succeeded', clock.now());
  await deps.emit({
    ...base,
    type: 'rollback.completed',
    message: `rollback of ${detail.service} in ${detail.environment} to revision ${detail.toRevision} completed`,
    data: {
      durationMs: (finished.finishedAt ?? clock.now()) - (finished.startedAt ?? finished.createdAt),
      toRevision: detail.toRevision,
    },
  });
  return (await store.getRollback(id)) as RollbackDetail;
}

async function runStep(rollback: Rollback, step: Step, deps: ExecutorDeps): Promise<boolean> {
  const { store, clock } = deps;
  const base = { service: rollback.service, environment: rollback.environment, rollbackId: rollback.id };
  const attempt = await store.beginStep(rollback.id, step.index, clock.now());
  const started = clock.now();
  await deps.emit({
    ...base,
    type: 'rollback.step-started',
    message: step.title,
    data: { index: step.index, name: step.name, title: step.title, attempt },
  });
  const lines: string[] = [];
  const controller = new AbortController();
  const onAbort = () => controller.abort(deps.signal?.reason);
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const handler = deps.handlers[step.name];
    if (!handler) throw new Error(`no handler for step "${step.name}" with this driver`);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new StepTimeout(step.timeoutMs, lines.at(-1));
        controller.abort(error);
        reject(error);
      }, step.timeoutMs);
    });
    const result = await Promise.race([
      handler(step, { rollback, attempt, signal: controller.signal, log: (line) => lines.push(line) }),
      timeout,
    ]);
    if (typeof result === 'string' && result) lines.push(result);
    const skipped = typeof result === 'object' && result !== null ? deps.redact(result.skipped) : null;
    if (skipped) lines.push(skipped);
    const output = clip(deps.redact(lines.join('\n')));
    const status = skipped ? 'skipped' : 'done';
    await store.finishStep(
      rollback.id,
      step.index,
      attempt,
      { status, output: output || null, error: null },
      clock.now(),
    );
    await deps.emit({
      ...base,
      type: 'rollback.step-finished',
      message: `${step.title}: ${skipped ? `skipped — ${skipped}` : 'done'}`,
      data: { index: step.index, name: step.name, status, durationMs: clock.now() - started },
    });
    return true;
  } catch (error) {
    if (deps.signal?.aborted) {
      // shutting down: the step is neither done nor failed; resume runs it again
      await store.interruptAttempt(rollback.id, step.index, attempt, clock.now());
      return false;
    }
    const message = deps.redact(errorMessage(error));
    const output = clip(deps.redact(lines.join('\n')));
    await store.finishStep(
      rollback.id,
      step.index,
      attempt,
      { status: 'failed', output: output || null, error: message },
      clock.now(),
    );
    await deps.emit({
      ...base,
      type: 'rollback.step-failed',
      message: `${step.title}: ${message}`,
      data: { index: step.index, name: step.name, error: message, durationMs: clock.now() - started },
    });
    return false;
  } finally {
    clearTimeout(timer);
    deps.signal?.removeEventListener('abort', onAbort);
  }
}
