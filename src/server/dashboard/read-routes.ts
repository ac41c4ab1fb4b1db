import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { drillHistory } from '../../app/dashboard/drills.js';
import { rollbackNotifications } from '../../app/dashboard/notifications.js';
import { overview } from '../../app/dashboard/overview.js';
import { signals } from '../../app/dashboard/signals.js';
import { visibleEnvironments } from '../auth.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const time = { type: 'integer', minimum: 0 } as const;

/** What the dashboard reads beyond the CLI's routes: the grid, the charts' signals, notifications, drills. */
export function readRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/overview', async (request) => {
    const all = await overview(ctx);
    // a token limited to environments sees only those cells
    const limits = visibleEnvironments(request);
    const cells = limits ? all.cells.filter((c) => limits.includes(c.environment)) : all.cells;
    return { ...all, cells, databases: Object.keys(ctx.loaded.config.databases) };
  });

  app.get<{
    Params: { service: string };
    Querystring: { environment?: string; revision?: number; from?: number; to?: number };
  }>(
    '/v1/signals/:service',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { environment: str, revision: { type: 'integer', minimum: 1 }, from: time, to: time },
        },
      },
    },
    async (request) => signals(ctx, request.params.service, request.query),
  );

  app.get<{ Params: { id: string } }>('/v1/rollbacks/:id/notifications', async (request) =>
    rollbackNotifications(ctx, request.params.id),
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/v1/drills',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } },
        },
      },
    },
    async (request) => drillHistory(ctx, request.query.limit, visibleEnvironments(request)),
  );
}
