/**
 * One attempt at one step of a rollback plan: the handler runs under the step's
 * time limit (on the injected clock) and the executor's shutdown signal, and its
 * answer becomes data the executor journals.
 */
import type { Clock } from './clock.js';
import type { Rollback, Step } from './model.js';
import { StepTimeout } from './step-output.js';

export interface StepContext {
  rollback: Rollback;
  /** 1 for the first try; higher after a crash or retry */
  attempt: number;
  /** aborted on timeout or shutdown */
  signal: AbortSignal;
  /** a line for the journal (redacted by the executor) */
  log(line: string): void;
  /** journals the process group a handler started, so a later attempt can stop it if this one is orphaned */
  onProcess(processGroup: number): void;
}

/**
 * Runs one step and returns its output for the journal, or `{ skipped: reason }`
 * when it could not do its job and the plan may go on (an engine without a
 * read-only mode): the step is recorded `skipped` with the reason, never shown as
 * done. `{ skipped, superseded: true }`: a newer change made this step and the rest
 * moot (a fix deployed during the post-rollback watch); the rollback ends
 * `superseded`. Must be idempotent.
 */
export type StepHandler = (
  step: Step,
  context: StepContext,
) => Promise<string | void | { skipped: string; superseded?: boolean }>;

/** What an attempt needs of the executor's dependencies. */
export interface AttemptDeps {
  clock: Clock;
  /** aborting stops the running handler (shutdown) */
  signal?: AbortSignal;
  /** how long a timed-out handler gets to let go of its work; default 5 s */
  abortGraceMs?: number;
}

export type Outcome =
  { ok: true; output: string | null; skipped: string | null; superseded?: boolean } | { ok: false; error: unknown };

/** Runs the handler under the step's timeout (on the injected clock) and the shutdown signal. */
export async function attemptStep(
  step: Step,
  handler: StepHandler | undefined,
  deps: AttemptDeps,
  context: Omit<StepContext, 'signal'>,
): Promise<Outcome> {
  const { clock } = deps;
  const work = new AbortController();
  const onShutdown = () => work.abort(deps.signal?.reason);
  deps.signal?.addEventListener('abort', onShutdown, { once: true });
  const timer = new AbortController();
  let last: string | undefined;
  const timeout = clock.sleep(step.timeoutMs, timer.signal).then(() => {
    throw new StepTimeout(step.timeoutMs, last);
  });
  timeout.catch(() => undefined);
  let running: ReturnType<StepHandler> | undefined;
  try {
    if (!handler) throw new Error(`no handler for step "${step.name}" with this driver`);
    running = handler(step, {
      ...context,
      signal: work.signal,
      log: (line) => {
        last = line;
        context.log(line);
      },
    });
    const result = await Promise.race([running, timeout]);
    return {
      ok: true,
      output: typeof result === 'string' && result ? result : null,
      skipped: typeof result === 'object' && result !== null ? result.skipped : null,
      superseded: typeof result === 'object' && result !== null && result.superseded === true,
    };
  } catch (error) {
    if (error instanceof StepTimeout || deps.signal?.aborted) {
      // the work is told to stop and given a moment to let go before anything else runs
      work.abort(error);
      const grace = new AbortController();
      await Promise.race([
        running?.catch(() => undefined),
        clock.sleep(deps.abortGraceMs ?? 5_000, grace.signal).catch(() => undefined),
      ]);
      grace.abort();
    }
    return { ok: false, error };
  } finally {
    timer.abort();
    deps.signal?.removeEventListener('abort', onShutdown);
  }
}
