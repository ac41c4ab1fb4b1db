import type { FastifyInstance } from 'fastify';
import type { GateApi } from '../app/gate/gate-api.js';
import type { Identity } from '../core/access.js';
import type { Authenticate } from './auth.js';
import { identityOf } from './auth.js';
import { on } from './route-access.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const reason = { type: 'string', minLength: 1, maxLength: 2000 } as const;
const scopeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { service: str, environment: str },
} as const;

type Scope = { service?: string; environment?: string };

/** Records of environments a limited token may not see are left out (as if absent). */
const visible =
  (identity: Identity | null) =>
  (row: { environment: string }): boolean =>
    !identity?.environments || identity.environments.includes(row.environment);

/**
 * The deploy gate, quarantines, freezes and delivery figures over HTTP. The
 * gate answers 200 when the version may be deployed and 423 with
 * `{allowed:false, reason}` when not, so a tool that cannot run the CLI needs only
 * a viewer token and the status code.
 */
export function gateRoutes(api: GateApi, authenticate: Authenticate = identityOf): (app: FastifyInstance) => void {
  return (app) => {
    app.get<{ Querystring: { service: string; version: string; environment?: string } }>(
      '/v1/gate',
      {
        schema: {
          querystring: {
            type: 'object',
            required: ['service', 'version'],
            additionalProperties: false,
            properties: { service: str, version: str, environment: str },
          },
        },
        config: { access: { action: 'read', target: on.service('query') } },
      },
      async (request, reply) => {
        const answer = await api.gate(request.query);
        if (answer.allowed) return answer;
        const error = { code: 'NOT_ALLOWED', message: answer.reason, details: answer };
        return reply.code(423).send({ ...answer, error });
      },
    );
    app.get<{ Querystring: Scope }>(
      '/v1/quarantine',
      { schema: { querystring: scopeQuery }, config: { access: { action: 'read', target: on.records } } },
      async (request) => (await api.quarantine(request.query)).filter(visible(request.identity)),
    );
    app.post<{ Body: { service: string; environment?: string; version: string; reason: string } }>(
      '/v1/quarantine/lift',
      {
        schema: {
          body: {
            type: 'object',
            required: ['service', 'version', 'reason'],
            additionalProperties: false,
            properties: { service: str, environment: str, version: str, reason },
          },
        },
        config: { access: { action: 'quarantine.lift', target: on.service('body') } },
      },
      async (request) => api.lift({ ...request.body, actor: await authenticate(request) }),
    );
    app.get<{ Querystring: Scope }>(
      '/v1/freezes',
      { schema: { querystring: scopeQuery }, config: { access: { action: 'read', target: on.records } } },
      async (request) => (await api.freezes(request.query)).filter(visible(request.identity)),
    );
    const freezeBody = (required: string[]) => ({
      type: 'object',
      required,
      additionalProperties: false,
      properties: { environment: str, service: str, reason },
    });
    app.post<{ Body: { environment: string; service?: string; reason: string } }>(
      '/v1/freezes',
      {
        schema: { body: freezeBody(['environment', 'reason']) },
        config: { access: { action: 'freeze', target: on.environment('body') } },
      },
      async (request, reply) =>
        reply.code(201).send(await api.startFreeze({ ...request.body, actor: await authenticate(request) })),
    );
    app.post<{ Body: { environment: string; service?: string; reason?: string } }>(
      '/v1/freezes/end',
      {
        schema: { body: freezeBody(['environment']) },
        config: { access: { action: 'freeze', target: on.environment('body') } },
      },
      async (request) => api.endFreeze({ ...request.body, actor: await authenticate(request) }),
    );
    app.get<{ Querystring: Scope & { since?: string } }>(
      '/v1/stats',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { service: str, environment: str, since: { type: 'string', maxLength: 40 } },
          },
        },
        config: { access: { action: 'read', target: on.records } },
      },
      async (request) => {
        const result = await api.stats(request.query);
        return { ...result, services: result.services.filter(visible(request.identity)) };
      },
    );
    app.get<{ Querystring: Scope & { bucket?: string; buckets?: number } }>(
      '/v1/stats/series',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              service: str,
              environment: str,
              bucket: { type: 'string', maxLength: 40 },
              buckets: { type: 'integer', minimum: 1, maximum: 104 },
            },
          },
        },
        config: { access: { action: 'read', target: on.records } },
      },
      async (request) => {
        const result = await api.statsSeries(request.query);
        const shown = visible(request.identity);
        return { ...result, points: result.points.map((p) => ({ ...p, services: p.services.filter(shown) })) };
      },
    );
  };
}
