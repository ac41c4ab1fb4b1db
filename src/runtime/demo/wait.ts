/**
 * Small waits of the demo: polling a condition, a rollback to its end, a pause —
 * each with a deadline and an abort signal (Ctrl-C), so the demo never hangs.
 */
import { isTerminalRollback, type RollbackStatus } from '../../core/model.js';
import { systemClock } from '../../core/clock.js';
import type { RewindApi } from '../../app/index.js';

/** A pause that Ctrl-C (the signal) ends early with the signal's reason. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => systemClock.sleep(ms, signal);

/** Polls `check` every 100 ms; rejects after `timeoutMs` naming what it waited for. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(100, signal);
  }
}

/** Resolves with the rollback's final status; rejects when it is still running after `timeoutMs`. */
export async function waitForRollback(
  api: RewindApi,
  id: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RollbackStatus> {
  let status: RollbackStatus = 'planned';
  await waitFor(
    `rollback ${id} to finish`,
    async () => isTerminalRollback((status = (await api.rollback(id)).status)),
    timeoutMs,
    signal,
  );
  return status;
}

/** Resolves as `work` does, or rejects as soon as `signal` aborts (Ctrl-C must not wait for a deploy). */
export function unlessAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
