import { ExitCode, UserError } from '../core/errors.js';

export type HttpCall = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<T>;

/**
 * One JSON call to the controller with the caller's bearer token. The
 * controller's `{"error":{code,message}}` becomes a UserError: 400 exits 2
 * (usage), anything else exits 1.
 */
export function createHttpCall(baseUrl: string, token: string | undefined, unreachableHint = ''): HttpCall {
  return async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
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
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      throw new UserError(e?.code ?? 'HTTP_ERROR', e?.message ?? `controller answered ${response.status}`, {
        status: response.status,
        exitCode: response.status === 400 ? ExitCode.usage : ExitCode.failed,
        details: e?.details,
      });
    }
    return json as T;
  };
}
