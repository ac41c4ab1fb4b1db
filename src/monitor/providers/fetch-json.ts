/**
 * One GET that answers JSON or says why not, for the metric providers
 *. It never throws: a provider turns a failure into an
 * `inconclusive` reading, never into a healthy value.
 */
import { linkedSignal } from '../../core/linked-signal.js';
import { describeEndpoint, redact } from './redact.js';

export interface FetchJsonOptions {
  headers?: Record<string, string>;
  /** give up after this long; required so a hung endpoint cannot stall the monitor */
  timeoutMs: number;
  /** the caller's abort (the monitor stopping) */
  signal?: AbortSignal;
  /** cut out of every error text */
  secrets: readonly string[];
}

export type FetchJsonResult =
  | { ok: true; status: number; body: unknown }
  /** `status` is the HTTP status when a response arrived, with its parsed body if it was JSON */
  | { ok: false; error: string; status?: number; body?: unknown };

const MAX_ERROR_TEXT = 300;

export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchJsonResult> {
  // one abort per request, following the caller's by a listener removed once the answer is in
  // (not AbortSignal.any: on Node 20 each one stays registered with the long-lived signal it follows)
  const abort = linkedSignal(options.timeoutMs, options.signal);
  try {
    return await fetchWithin(url, options, abort.signal, abort.timedOut);
  } finally {
    abort.dispose();
  }
}

async function fetchWithin(
  url: string,
  options: FetchJsonOptions,
  signal: AbortSignal,
  timedOut: () => boolean,
): Promise<FetchJsonResult> {
  const where = describeEndpoint(url);
  const clean = (text: string): string => redact(text, options.secrets).slice(0, MAX_ERROR_TEXT);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...options.headers }, signal });
  } catch (error) {
    if (timedOut()) return { ok: false, error: `${where} did not answer within ${options.timeoutMs} ms` };
    if (options.signal?.aborted) return { ok: false, error: `request to ${where} was cancelled` };
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = (cause as { code?: unknown })?.code;
    const detail = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
    return { ok: false, error: clean(`${where} unreachable: ${detail}`) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return {
      ok: false,
      status: response.status,
      error: clean(`${where} answered ${response.status} but the body could not be read: ${String(error)}`),
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // masked before it is cut: a cut through a secret would leave a part no mask matches
    const snippet = redact(text, options.secrets).replace(/\s+/g, ' ').trim().slice(0, 120);
    return {
      ok: false,
      status: response.status,
      error: clean(`${where} answered ${response.status} with a body that is not JSON: ${snippet}`),
    };
  }
  if (!response.ok)
    return { ok: false, status: response.status, body, error: clean(`${where} answered HTTP ${response.status}`) };
  return { ok: true, status: response.status, body };
}

/** Cleans a message with the same secrets, for callers that build their own errors from a body. */
export function cleanMessage(text: string, secrets: readonly string[]): string {
  return redact(text, secrets).slice(0, MAX_ERROR_TEXT);
}
