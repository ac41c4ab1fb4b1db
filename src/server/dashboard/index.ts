import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { eventStream } from './event-stream.js';
import { readRoutes } from './read-routes.js';
import { staticFiles } from './static-files.js';

/**
 * The dashboard: its static bundle at `/` (public: it holds no data), the live
 * event stream and the reads its pages need (a viewer's, like every GET).
 */
export function dashboardRoutes(ctx: AppContext) {
  return (app: FastifyInstance): void => {
    staticFiles(app);
    eventStream(app, ctx);
    readRoutes(app, ctx);
  };
}
