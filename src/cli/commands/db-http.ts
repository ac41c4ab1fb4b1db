import type { DbApi } from '../../app/db/db-api.js';
import { createHttpCall } from '../http-call.js';

/** The controller's `/v1/db/…` routes as a DbApi (the CLI's view, like http-client.ts). */
export function createHttpDbApi(baseUrl: string, token: string | undefined): DbApi {
  const call = createHttpCall(baseUrl, token, ' — retry with --offline to run here');
  const db = (database?: string): Record<string, string> => (database ? { database } : {});
  const query = (database?: string): string => (database ? `?database=${encodeURIComponent(database)}` : '');
  const id = (value: string): string => encodeURIComponent(value);
  return {
    status: (who) => call('GET', `/v1/db/status${query(who.database)}`),
    backups: (who) => call('GET', `/v1/db/backups${query(who.database)}`),
    backup: (who, request) => call('POST', '/v1/db/backups', { ...db(who.database), ...request }),
    verify: (who, backupId) => call('POST', `/v1/db/backups/${id(backupId)}/verify`, db(who.database)),
    restore: (who, backupId, request) =>
      call('POST', `/v1/db/backups/${id(backupId)}/restore`, { ...db(who.database), ...request }),
    migrateDown: (who, request) => call('POST', '/v1/db/migrate-down', { ...db(who.database), ...request }),
    validate: (who) => call('POST', '/v1/db/validate', db(who.database)),
    readOnly: (who, on) => call('POST', '/v1/db/read-only', { ...db(who.database), on }),
  };
}
