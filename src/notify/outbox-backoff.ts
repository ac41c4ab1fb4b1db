/**
 * Retry timing of the outbox: exponential from `baseMs`, doubled per
 * consecutive failure, capped at `maxMs`, with up to 10% jitter so that channels
 * failing together do not retry in lockstep.
 */
export interface BackoffOptions {
  /** delay after the first failure; default 1 000 ms */
  baseMs?: number;
  /** the longest delay; default 300 000 ms (5 minutes) */
  maxMs?: number;
  /** random extra share of the delay, 0–1; default 0.1 */
  jitter?: number;
}

export function backoffDelay(
  failures: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseMs ?? 1_000;
  const max = options.maxMs ?? 300_000;
  const jitter = options.jitter ?? 0.1;
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const delay = Math.min(max, base * 2 ** exponent);
  return Math.round(Math.min(max, delay * (1 + jitter * random())));
}
