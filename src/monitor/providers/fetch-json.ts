/**
 * One GET that answers JSON or says why not, for the metric providers. It
 * never throws: a provider turns a failure into an
 * `inconclusive` reading, never into a healthy value.
 */
import { httpGet, HttpGetCut, type HttpGetAnswer } from './http-get.js';
import { describeEndpoint, redact } from './redact.js';

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

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
  const where = describeEndpoint(url);
  const clean = (text: string): string => redact(text, options.secrets).slice(0, MAX_ERROR_TEXT);
  let answer: HttpGetAnswer;
  try {
    const headers = { accept: 'application/json', ...options.headers };
    answer = await httpGet(url, {
      headers,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof HttpGetCut)
      return {
        ok: false,
        error:
          error.reason === 'timeout'
            ? `${where} did not answer within ${options.timeoutMs} ms`
            : `request to ${where} was cancelled`,
      };
    const code = (error as { code?: unknown })?.code;
    const detail = typeof code === 'string' && code !== 'ERR_INVALID_URL' ? code : errorText(error);
    return { ok: false, error: clean(`${where} unreachable: ${detail}`) };
  }
  const { status, text } = answer;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // masked before it is cut: a cut through a secret would leave a part no mask matches
    const snippet = redact(text, options.secrets).replace(/\s+/g, ' ').trim().slice(0, 120);
    return {
      ok: false,
      status,
      error: clean(`${where} answered ${status} with a body that is not JSON: ${snippet}`),
    };
  }
  if (status < 200 || status > 299)
    return { ok: false, status, body, error: clean(`${where} answered HTTP ${status}`) };
  return { ok: true, status, body };
}

/** Cleans a message with the same secrets, for callers that build their own errors from a body. */
export function cleanMessage(text: string, secrets: readonly string[]): string {
  return redact(text, secrets).slice(0, MAX_ERROR_TEXT);
}
