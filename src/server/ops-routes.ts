import type { FastifyInstance } from 'fastify';
import type { OpsApi } from '../app/ops/ops-api.js';
import type { Authenticate } from './auth.js';
import { identityOf } from './auth.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const opBody = {
  type: 'object',
  additionalProperties: false,
  properties: { environment: str, reason: { type: 'string', maxLength: 2000 } },
} as const;

/**
 * `rewind restart|stop|start|adopt <service>` and `rewind flag …` over HTTP. Every
 * route authenticates first; answers have the CLI's `--json` shapes.
 */
export function opsRoutes(api: OpsApi, authenticate: Authenticate = identityOf): (app: FastifyInstance) => void {
  return (app) => {
    for (const action of ['restart', 'stop', 'start'] as const) {
      app.post<{ Params: { service: string }; Body: { environment?: string; reason?: string } | undefined }>(
        `/v1/services/:service/${action}`,
        { schema: { body: opBody } },
        async (request) =>
          api[action]({
            service: request.params.service,
            ...(request.body ?? {}),
            actor: await authenticate(request),
          }),
      );
    }
    app.post<{ Params: { service: string }; Body: { environment?: string; version?: string; reason?: string } }>(
      '/v1/services/:service/adopt',
      {
        schema: {
          body: {
            ...opBody,
            properties: { ...opBody.properties, version: { type: 'string', minLength: 1, maxLength: 128 } },
          },
        },
      },
      async (request) =>
        api.adopt({ service: request.params.service, ...(request.body ?? {}), actor: await authenticate(request) }),
    );
    app.post<{
      Params: { service: string; flag: string };
      Body: { environment?: string; on: boolean; reason?: string };
    }>(
      '/v1/services/:service/flags/:flag',
      {
        schema: {
          body: {
            type: 'object',
            required: ['on'],
            additionalProperties: false,
            properties: { environment: str, on: { type: 'boolean' }, reason: { type: 'string', maxLength: 2000 } },
          },
        },
      },
      async (request) =>
        api.setFlag({
          service: request.params.service,
          flag: request.params.flag,
          ...request.body,
          actor: await authenticate(request),
        }),
    );
    app.post<{
      Body: {
        group?: string;
        environment?: string;
        reason?: string;
        emergency?: boolean;
        dryRun?: boolean;
        wait?: boolean;
      };
    }>(
      '/v1/undo-group',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              group: str,
              environment: str,
              reason: { type: 'string', maxLength: 2000 },
              emergency: { type: 'boolean' },
              dryRun: { type: 'boolean' },
              wait: { type: 'boolean' },
            },
          },
        },
      },
      async (request, reply) => {
        const result = await api.undoGroup({ ...request.body, actor: await authenticate(request) });
        return reply.status(result.rollback && !request.body.wait ? 202 : 200).send(result);
      },
    );
    app.get<{ Params: { service: string }; Querystring: { environment?: string; from: number; to: number } }>(
      '/v1/services/:service/config-diff',
      {
        schema: {
          querystring: {
            type: 'object',
            required: ['from', 'to'],
            additionalProperties: false,
            properties: {
              environment: str,
              from: { type: 'integer', minimum: 1 },
              to: { type: 'integer', minimum: 1 },
            },
          },
        },
      },
      async (request) => api.configDiff({ service: request.params.service, ...request.query }),
    );
    app.get<{ Params: { service: string }; Querystring: { environment?: string } }>(
      '/v1/services/:service/flags',
      {
        schema: { querystring: { type: 'object', additionalProperties: false, properties: { environment: str } } },
      },
      async (request) => api.flags(request.params.service, request.query.environment),
    );
  };
}
