import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { Authenticate } from '../auth.js';
import { trustActorHeader } from '../auth.js';
import { eventStream } from './event-stream.js';
import { readRoutes } from './read-routes.js';
import { staticFiles } from './static-files.js';

/** The dashboard: its static bundle at `/`, the live event stream and the reads its pages need. */
export function dashboardRoutes(ctx: AppContext, authenticate: Authenticate = trustActorHeader) {
  return (app: FastifyInstance): void => {
    staticFiles(app);
    eventStream(app, ctx, authenticate);
    readRoutes(app, ctx, authenticate);
  };
}
