import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { drillHistory } from '../../app/dashboard/drills.js';
import { overview } from '../../app/dashboard/overview.js';
import { signals } from '../../app/dashboard/signals.js';
import type { Authenticate } from '../auth.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const time = { type: 'integer', minimum: 0 } as const;

/** What the dashboard reads beyond the CLI's routes: the grid, the charts' signals, the drill history. */
export function readRoutes(app: FastifyInstance, ctx: AppContext, authenticate: Authenticate): void {
  app.get('/v1/overview', async (request) => {
    await authenticate(request);
    return { ...(await overview(ctx)), databases: Object.keys(ctx.loaded.config.databases) };
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
    async (request) => {
      await authenticate(request);
      return signals(ctx, request.params.service, request.query);
    },
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
    async (request) => {
      await authenticate(request);
      return drillHistory(ctx, request.query.limit);
    },
  );
}
