import { ExitCode, UserError } from '../core/errors.js';
import { DeliveryError, isRetryableStatus, redact } from './delivery-error.js';
import { linkedSignal } from '../core/linked-signal.js';

/** Default time one HTTP delivery may take before it is abandoned and retried. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

export interface HttpRequest {
  method: 'POST' | 'PATCH' | 'PUT';
  url: string;
  /** the exact bytes to send (already serialised JSON) */
  body: string;
  headers?: Record<string, string>;
  /** abandon the request after this many ms; default 10 000 */
  timeoutMs?: number;
  /** the caller's signal (the dispatcher stopping) */
  signal?: AbortSignal;
  /** every value that must not appear in an error: URL, token, key */
  secrets: readonly (string | null | undefined)[];
  /** who is talking, for messages: `slack notifier "ops"` */
  what: string;
}

export interface HttpResponse {
  status: number;
  text: string;
}

/**
 * One HTTP call through the global fetch with an AbortSignal timeout. A non-2xx
 * answer or a network failure becomes a DeliveryError whose message names the
 * notifier and the status, never the URL (a Slack webhook URL is
 * itself a secret). The response body is kept short and redacted.
 */
export async function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const linked = linkedSignal(timeoutMs, request.signal);
  let response: Response;
  let text = '';
  try {
    try {
      response = await fetch(request.url, {
        method: request.method,
        body: request.body,
        headers: { 'content-type': 'application/json', ...request.headers },
        signal: linked.signal,
      });
    } catch (error) {
      throw networkError(request, error, linked.timedOut(), timeoutMs);
    }
    try {
      text = await response.text();
    } catch {
      // the status is what matters; a body cut short is not a failed delivery
    }
  } finally {
    linked.dispose();
  }
  if (response.status < 200 || response.status >= 300) {
    // masked before it is cut: a cut through a secret would leave a part no mask matches
    const snippet = redact(text, request.secrets).replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new DeliveryError(
      `${request.what}: the receiver answered HTTP ${response.status}${snippet ? ` (${snippet})` : ''}`,
      {
        retryable: isRetryableStatus(response.status),
        status: response.status,
      },
    );
  }
  return { status: response.status, text };
}

function networkError(request: HttpRequest, error: unknown, timedOut: boolean, timeoutMs: number): DeliveryError {
  if (timedOut) {
    return new DeliveryError(`${request.what}: no answer within ${timeoutMs}ms`, { retryable: true });
  }
  if (request.signal?.aborted) {
    return new DeliveryError(`${request.what}: delivery aborted`, { retryable: true });
  }
  // undici hides the reason in `cause`; keep only its code, the message may hold the host
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : 'network error';
  return new DeliveryError(redact(`${request.what}: could not reach the receiver (${code})`, request.secrets), {
    retryable: true,
  });
}

/** Checks an option is an http(s) URL without ever echoing it (it may be a secret). */
export function requireHttpUrl(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw notifierConfigError(`${what} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw notifierConfigError(`${what} is not a valid URL (expected https://…)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw notifierConfigError(`${what} must be an http(s) URL`);
  return value;
}

/** A required non-empty string option, checked without echoing its value. */
export function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw notifierConfigError(`${what} is required`);
  return value;
}

/** Bad notifier options: a usage error the CLI exits 2 with. */
export function notifierConfigError(message: string): UserError {
  return new UserError('NOTIFIER_CONFIG', message, { exitCode: ExitCode.usage });
}
