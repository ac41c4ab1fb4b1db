import type { FastifyInstance } from 'fastify';
import type { DbApi } from '../app/db/db-api.js';
import type { Authenticate } from './auth.js';
import { identityOf } from './auth.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const tables = { type: 'array', items: str, maxItems: 500 } as const;
const dbOnly = { type: 'object', additionalProperties: false, properties: { database: str } } as const;

/**
 * `rewind db …` over HTTP (issue 5): the controller runs the database use cases
 * so the CLI does not need the database's credentials or binaries. Every route
 * authenticates first; answers have the CLI's `--json` shapes.
 */
export function dbRoutes(api: DbApi, authenticate: Authenticate = identityOf): (app: FastifyInstance) => void {
  return (app) => {
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
      async (request) => api.restore(await who(request, request.body.database), request.params.id, request.body),
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
      async (request) => api.migrateDown(await who(request, request.body.database), request.body),
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
      async (request) => api.readOnly(await who(request, request.body.database), request.body.on),
    );
  };
}
