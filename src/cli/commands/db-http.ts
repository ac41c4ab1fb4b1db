import type { DbApi } from '../../app/db/db-api.js';
import { ExitCode, UserError } from '../../core/errors.js';

/** The controller's `/v1/db/…` routes as a DbApi (the CLI's view, like http-client.ts). */
export function createHttpDbApi(baseUrl: string, actor: string): DbApi {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-rewind-actor': actor },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new UserError('CONTROLLER_UNREACHABLE', `lost the controller at ${baseUrl}: ${(error as Error).message} — retry with --offline to run here`);
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
  const db = (database?: string): Record<string, string> => (database ? { database } : {});
  const query = (database?: string): string => (database ? `?database=${encodeURIComponent(database)}` : '');
  const id = (value: string): string => encodeURIComponent(value);
  return {
    status: (who) => call('GET', `/v1/db/status${query(who.database)}`),
    backups: (who) => call('GET', `/v1/db/backups${query(who.database)}`),
    backup: (who, request) => call('POST', '/v1/db/backups', { ...db(who.database), ...request }),
    verify: (who, backupId) => call('POST', `/v1/db/backups/${id(backupId)}/verify`, db(who.database)),
    restore: (who, backupId, request) => call('POST', `/v1/db/backups/${id(backupId)}/restore`, { ...db(who.database), ...request }),
    migrateDown: (who, request) => call('POST', '/v1/db/migrate-down', { ...db(who.database), ...request }),
    validate: (who) => call('POST', '/v1/db/validate', db(who.database)),
    readOnly: (who, on) => call('POST', '/v1/db/read-only', { ...db(who.database), on }),
  };
}
