import { ExitCode, UserError } from '../core/errors.js';
import type { HttpAnswer } from './transport.js';
import { send } from './transport.js';

export type HttpCall = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<T>;

/**
 * One JSON call to the controller with the caller's bearer token. The
 * controller's `{"error":{code,message}}` becomes a UserError: 400 exits 2
 * (usage), anything else exits 1.
 */
export function createHttpCall(baseUrl: string, token: string | undefined, unreachableHint = ''): HttpCall {
  return async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> => {
    let answer: HttpAnswer;
    try {
      answer = await send(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new UserError(
        'CONTROLLER_UNREACHABLE',
        `lost the controller at ${baseUrl}: ${(error as Error).message}${unreachableHint}`,
      );
    }
    const { status, text } = answer;
    const json = parse(text);
    if (status < 200 || status > 299) {
      const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      throw new UserError(e?.code ?? 'HTTP_ERROR', e?.message ?? `controller answered ${status}`, {
        status,
        exitCode: status === 400 ? ExitCode.usage : status === 423 ? ExitCode.notAllowed : ExitCode.failed,
        details: e?.details,
      });
    }
    return json as T;
  };
}

function parse(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return { error: { code: 'HTTP_ERROR', message: text.slice(0, 200) } };
  }
}
