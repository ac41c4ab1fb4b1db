/**
 * An AbortSignal that fires on a timeout or when any parent signal fires. Built by
 * hand rather than with `AbortSignal.any`: the dispatcher's stop signal lives as
 * long as the process and one child is made per delivery and per poll, and
 * `dispose()` removes the child's listener from the parent at once instead of
 * leaving that to the garbage collector.
 */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** true when the timeout, not a parent, fired */
  timedOut(): boolean;
  /** removes the listeners and the timer; call it when the work is over */
  dispose(): void;
}

export function linkedSignal(timeoutMs: number | null, ...parents: (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  let expired = false;
  const onAbort = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  const live = parents.filter((parent): parent is AbortSignal => parent !== undefined);
  for (const parent of live) {
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', onAbort, { once: true });
  }
  const timer =
    timeoutMs === null
      ? undefined
      : setTimeout(() => {
          expired = true;
          controller.abort(new Error(`timed out after ${timeoutMs}ms`));
        }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => expired,
    dispose() {
      clearTimeout(timer);
      for (const parent of live) parent.removeEventListener('abort', onAbort);
    },
  };
}
