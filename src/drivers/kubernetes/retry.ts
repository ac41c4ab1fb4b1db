/**
 * Retries of API calls. The driver's writes are patches without a resourceVersion
 * (or re-read before they are built), so a 409 Conflict means "someone wrote in
 * between": trying again is what `kubectl` does too. A fenced traffic write carries
 * its resourceVersion as a precondition: its 409 goes back to it, to re-read (fencing.ts). Throttling (429), server
 * errors and dropped connections are retried with backoff; anything else (400,
 * 403, 404, 422) is the caller's problem and fails at once.
 */

export interface RetryOptions {
  /** attempts in all; default 6 */
  attempts?: number;
  /** first pause; doubles each time, at most 2 s; default 100 ms */
  firstDelayMs?: number;
  /** false for a write with a resourceVersion precondition: the same body would conflict again; default true */
  retryConflicts?: boolean;
}

const RETRIED_STATUS = new Set([409, 429, 500, 502, 503, 504]);
const RETRIED_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

/** Whether an error from the API client is worth another try. */
export function isRetryable(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown }; type?: unknown; name?: unknown };
  if (typeof e.code === 'number') return RETRIED_STATUS.has(e.code);
  if (typeof e.code === 'string' && RETRIED_CODES.has(e.code)) return true;
  if (typeof e.cause?.code === 'string' && RETRIED_CODES.has(e.cause.code)) return true;
  // node-fetch reports dropped connections as FetchError type "system"
  return e.name === 'FetchError' && e.type === 'system';
}

export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  let delay = options.firstDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const conflict = (error as { code?: unknown }).code === 409;
      if (attempt >= attempts || !isRetryable(error) || (conflict && options.retryConflicts === false))
        throw describeApiError(error);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

/** An Error whose message says what the API server answered (its Status message), not the client's wrapper text. */
export function describeApiError(error: unknown): Error {
  const e = error as { code?: unknown; body?: unknown; message?: string };
  if (typeof e.code !== 'number') return error instanceof Error ? error : new Error(String(error));
  let message = e.message ?? 'request failed';
  try {
    const status = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as { message?: string };
    if (status?.message) message = status.message;
  } catch {
    // the body was not a Status object: keep the client's message
  }
  return Object.assign(new Error(`Kubernetes API answered ${e.code}: ${message}`, { cause: error }), {
    code: e.code,
  });
}
