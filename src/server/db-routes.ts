import type { FastifyInstance } from 'fastify';
import type { DbApi } from '../app/db/db-api.js';
import type { DbPayload } from '../app/approvals/execute.js';
import type { Approval } from '../core/model.js';
import type { Authenticate } from './auth.js';
import { identityOf } from './auth.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const tables = { type: 'array', items: str, maxItems: 500 } as const;
const dbOnly = { type: 'object', additionalProperties: false, properties: { database: str } } as const;

/**
 * `rewind db …` over HTTP: the controller runs the database use cases
 * so the CLI does not need the database's credentials or binaries. Every route
 * authenticates first; answers have the CLI's `--json` shapes.
 */
/** Asks for an approval when the database is used in a protected environment; null: go ahead. */
export type ProtectDb = (
  requestedBy: string,
  payload: Omit<DbPayload, 'live'>,
  reason: string,
) => Promise<Approval | null>;

export function dbRoutes(
  api: DbApi,
  authenticate: Authenticate = identityOf,
  protect: ProtectDb = async () => null,
): (app: FastifyInstance) => void {
  return (app) => {
    /** 202 with the approval when the change has to wait for another approver */
    const gated = async (
      request: Parameters<Authenticate>[0],
      payload: Omit<DbPayload, 'live'>,
      what: string,
    ): Promise<{ approval: Approval } | null> => {
      const approval = await protect((await authenticate(request)).name, payload, what);
      return approval ? { approval } : null;
    };
    const who = async (request: Parameters<Authenticate>[0], database?: string) => ({
      ...(database ? { database } : {}),
      actor: (await authenticate(request)).name,
    });

    app.get<{ Querystring: { database?: string } }>(
      '/v1/db/status',
      { schema: { querystring: dbOnly } },
      async (request) => api.status(await who(request, request.query.database)),
    );
    app.get<{ Querystring: { database?: string } }>(
      '/v1/db/backups',
      { schema: { querystring: dbOnly } },
      async (request) => api.backups(await who(request, request.query.database)),
    );
    app.post<{ Body: { database?: string; kind?: 'full' | 'schema' | 'tables'; tables?: string[] } }>(
      '/v1/db/backups',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { database: str, kind: { enum: ['full', 'schema', 'tables'] }, tables },
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await api.backup(await who(request, request.body.database), request.body)),
    );
    app.post<{ Params: { id: string }; Body: { database?: string } }>(
      '/v1/db/backups/:id/verify',
      { schema: { body: dbOnly } },
      async (request) => api.verify(await who(request, request.body.database), request.params.id),
    );
    app.post<{ Params: { id: string }; Body: { database?: string; tables?: string[]; quarantine?: boolean } }>(
      '/v1/db/backups/:id/restore',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { database: str, tables, quarantine: { type: 'boolean' } },
          },
        },
      },
      async (request, reply) => {
        const { database, ...rest } = request.body;
        const waiting = await gated(
          request,
          { kind: 'db', op: 'restore', ...(database ? { database } : {}), backupId: request.params.id, request: rest },
          `restore backup ${request.params.id} into database ${database ?? '(default)'}`,
        );
        if (waiting) return reply.status(202).send(waiting);
        return api.restore(await who(request, database), request.params.id, request.body);
      },
    );
    app.post<{ Body: { database?: string; to: string; dryRun?: boolean; allowDataLoss?: boolean } }>(
      '/v1/db/migrate-down',
      {
        schema: {
          body: {
            type: 'object',
            required: ['to'],
            additionalProperties: false,
            properties: { database: str, to: str, dryRun: { type: 'boolean' }, allowDataLoss: { type: 'boolean' } },
          },
        },
      },
      async (request, reply) => {
        const { database, ...rest } = request.body;
        const waiting = rest.dryRun
          ? null
          : await gated(
              request,
              { kind: 'db', op: 'migrate-down', ...(database ? { database } : {}), request: rest },
              `migrate database ${database ?? '(default)'} down to ${rest.to}${rest.allowDataLoss ? ' (data loss allowed)' : ''}`,
            );
        if (waiting) return reply.status(202).send(waiting);
        return api.migrateDown(await who(request, database), request.body);
      },
    );
    app.post<{ Body: { database?: string } }>('/v1/db/validate', { schema: { body: dbOnly } }, async (request) =>
      api.validate(await who(request, request.body.database)),
    );
    app.post<{ Body: { database?: string; on: boolean } }>(
      '/v1/db/read-only',
      {
        schema: {
          body: {
            type: 'object',
            required: ['on'],
            additionalProperties: false,
            properties: { database: str, on: { type: 'boolean' } },
          },
        },
      },
      async (request, reply) => {
        const { database, on } = request.body;
        const waiting = await gated(
          request,
          { kind: 'db', op: 'read-only', ...(database ? { database } : {}), request: { on } },
          `turn read-only ${on ? 'on' : 'off'} for database ${database ?? '(default)'}`,
        );
        if (waiting) return reply.status(202).send(waiting);
        return api.readOnly(await who(request, database), on);
      },
    );
  };
}
