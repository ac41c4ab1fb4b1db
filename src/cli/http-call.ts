import { ExitCode, UserError, type ExitCodeValue } from '../core/errors.js';
import type { HttpAnswer } from './transport.js';
import { send } from './transport.js';

export type HttpCall = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<T>;

/**
 * One JSON call to the controller with the caller's bearer token. The
 * controller's `{"error":{code,message,exitCode}}` becomes a UserError with the
 * controller's exit code; without one, 400 exits 2 (usage) and anything else 1.
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
      const e = (json as { error?: { code?: string; message?: string; exitCode?: unknown; details?: unknown } } | null)
        ?.error;
      throw new UserError(e?.code ?? 'HTTP_ERROR', inCliWords(e?.code, e?.message) ?? `controller answered ${status}`, {
        status,
        exitCode:
          exitCodeOf(e?.exitCode) ??
          (status === 400 ? ExitCode.usage : status === 423 ? ExitCode.notAllowed : ExitCode.failed),
        details: e?.details,
      });
    }
    return json as T;
  };
}

/** The controller's refusals as a CLI user acts on them: flags and variables, not headers and query strings. */
function inCliWords(code: string | undefined, message: string | undefined): string | undefined {
  if (code === 'UNAUTHENTICATED')
    return 'the controller needs a valid API token (none was sent, or it is mistyped, expired or revoked): pass --token or set REWIND_TOKEN, or leave both unset to use <stateDir>/admin.token (rewind token create makes one)';
  return message?.replace(/\b(?:querystring|body)\/(\w+) must NOT have fewer than 1 characters/g, (_m, name: string) =>
    name === 'environment' ? '--env must not be empty' : `${name} must not be empty`,
  );
}

/** The controller's exit code for a refusal it explains (a usage mistake exits 2 over HTTP too). */
function exitCodeOf(value: unknown): ExitCodeValue | null {
  return (Object.values(ExitCode) as unknown[]).includes(value) && value !== ExitCode.ok
    ? (value as ExitCodeValue)
    : null;
}

function parse(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return { error: { code: 'HTTP_ERROR', message: text.slice(0, 200) } };
  }
}
