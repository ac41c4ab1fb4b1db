import type { FastifyInstance } from 'fastify';
import type { RewindApi } from '../app/index.js';
import { DRILL_FAULTS, type DrillFault } from '../app/drill/fault-injection.js';
import { renderIncidentMarkdown } from '../report/index.js';
import type { Authenticate } from './auth.js';
import { assertMay } from './assert-may.js';
import { visibleEnvironments } from './auth.js';
import type { ProjectIdentity } from '../app/project-identity.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const envQuery = { type: 'object', properties: { environment: str }, additionalProperties: false } as const;

/** The controller's HTTP API, version 1. Every route authenticates first. */
export function registerRoutes(
  app: FastifyInstance,
  api: RewindApi,
  authenticate: Authenticate,
  project: ProjectIdentity | null = null,
): void {
  app.get('/healthz', async () => ({ ok: true, pid: process.pid, project }));

  app.post<{
    Body: {
      service: string;
      environment?: string;
      version: string;
      strategy?: 'bluegreen' | 'canary';
      force?: boolean;
      watch?: boolean;
      waitStable?: boolean;
      migrate?: boolean;
      breakGlass?: { reason: string };
    };
  }>(
    '/v1/deploy',
    {
      schema: {
        body: {
          type: 'object',
          required: ['service', 'version'],
          additionalProperties: false,
          properties: {
            service: str,
            environment: str,
            version: str,
            strategy: { enum: ['bluegreen', 'canary'] },
            force: { type: 'boolean' },
            watch: { type: 'boolean' },
            waitStable: { type: 'boolean' },
            migrate: { type: 'boolean' },
            breakGlass: {
              type: 'object',
              required: ['reason'],
              additionalProperties: false,
              properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
            },
          },
        },
      },
    },
    async (request) => {
      // breaking the glass of a freeze takes more than deploying: the approver role
      if (request.body.breakGlass) assertMay(request.identity, 'deploy.break-glass');
      return api.deploy({ ...request.body, actor: await authenticate(request) });
    },
  );

  app.post<{
    Body: {
      service: string;
      environment?: string;
      toRevision?: number;
      reason?: string;
      emergency?: boolean;
      dryRun?: boolean;
      wait?: boolean;
    };
  }>(
    '/v1/undo',
    {
      schema: {
        body: {
          type: 'object',
          required: ['service'],
          additionalProperties: false,
          properties: {
            service: str,
            environment: str,
            toRevision: { type: 'integer', minimum: 1 },
            reason: { type: 'string', maxLength: 2000 },
            emergency: { type: 'boolean' },
            dryRun: { type: 'boolean' },
            wait: { type: 'boolean' },
          },
        },
      },
    },
    async (request, reply) => {
      const result = await api.undo({ ...request.body, actor: await authenticate(request) });
      return reply.status(result.rollback && !request.body.wait ? 202 : 200).send(result);
    },
  );

  const decisionBody = {
    type: 'object',
    additionalProperties: false,
    properties: { reason: { type: 'string', maxLength: 2000 }, wait: { type: 'boolean' } },
  } as const;
  app.post<{ Params: { id: string }; Body: { reason?: string; wait?: boolean } | undefined }>(
    '/v1/approvals/:id/approve',
    { schema: { body: decisionBody } },
    async (request) =>
      api.approve({ id: request.params.id, ...(request.body ?? {}), actor: await authenticate(request) }),
  );
  app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
    '/v1/approvals/:id/reject',
    { schema: { body: decisionBody } },
    async (request) =>
      api.reject({ id: request.params.id, ...(request.body ?? {}), actor: await authenticate(request) }),
  );
  app.get<{ Querystring: { service?: string; environment?: string; status?: string } }>(
    '/v1/approvals',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { service: str, environment: str, status: str },
        },
      },
    },
    async (request) => {
      const { status, ...rest } = request.query;
      const statuses = status
        ?.split(',')
        .filter((s): s is 'pending' | 'approved' | 'rejected' | 'timed-out' =>
          ['pending', 'approved', 'rejected', 'timed-out'].includes(s),
        );
      return api.approvals({
        ...rest,
        ...(statuses?.length ? { status: statuses } : {}),
        visible: visibleEnvironments(request),
      });
    },
  );

  app.get<{ Params: { service: string }; Querystring: { environment?: string } }>(
    '/v1/status/:service',
    { schema: { querystring: envQuery } },
    async (request) => api.status(request.params.service, request.query.environment),
  );
  app.get<{ Params: { service: string }; Querystring: { environment?: string } }>(
    '/v1/history/:service',
    { schema: { querystring: envQuery } },
    async (request) => api.history(request.params.service, request.query.environment),
  );
  app.get<{ Querystring: { service?: string; environment?: string; limit?: number } }>(
    '/v1/rollbacks',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { service: str, environment: str, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => api.rollbacks({ ...request.query, visible: visibleEnvironments(request) }),
  );
  app.get<{ Params: { id: string } }>('/v1/rollbacks/:id', async (request) => api.rollback(request.params.id));
  app.get<{ Params: { id: string }; Querystring: { format?: 'md' | 'json' } }>(
    '/v1/rollbacks/:id/report',
    {
      schema: {
        querystring: { type: 'object', properties: { format: { enum: ['md', 'json'] } }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const report = await api.report(request.params.id);
      if (request.query.format !== 'md') return report;
      return reply.header('content-type', 'text/markdown; charset=utf-8').send(renderIncidentMarkdown(report));
    },
  );
  app.post<{
    Body: { environment: string; service?: string; fault?: DrillFault; faultAfterMs?: number; timeoutMs?: number };
  }>(
    '/v1/drills',
    {
      schema: {
        body: {
          type: 'object',
          required: ['environment'],
          additionalProperties: false,
          properties: {
            environment: str,
            service: str,
            fault: { enum: [...DRILL_FAULTS] },
            faultAfterMs: { type: 'integer', minimum: 0, maximum: 3_600_000 },
            timeoutMs: { type: 'integer', minimum: 1000, maximum: 86_400_000 },
          },
        },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await api.drill({ ...request.body, actor: await authenticate(request) })),
  );
  app.get<{ Params: { id: string } }>('/v1/drills/:id', async (request) => api.drillStatus(request.params.id));
  app.get<{
    Querystring: { service?: string; environment?: string; rollbackId?: string; afterId?: number; limit?: number };
  }>(
    '/v1/events',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            service: str,
            environment: str,
            rollbackId: str,
            afterId: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 5000 },
          },
        },
      },
    },
    async (request) => api.events({ ...request.query, visible: visibleEnvironments(request) }),
  );
}
