import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { RewindApi } from '../app/index.js';
import type { ProjectIdentity } from '../app/project-identity.js';
import { PROJECT_HEADER } from '../app/project-identity.js';
import type { Authenticate } from './auth.js';
import { trustActorHeader } from './auth.js';
import { errorHandler } from './errors.js';
import { registerRoutes } from './routes.js';
import { strictBodyTypes } from './strict-body.js';

export interface ServerOptions {
  api: RewindApi;
  redact: (text: string) => string;
  authenticate?: Authenticate;
  /** the project this controller serves: on /healthz and in every answer's `X-Rewind-Project` header */
  project?: ProjectIdentity;
  /** more routes (metrics, dashboard) registered by their own modules */
  plugins?: ((app: FastifyInstance) => void)[];
}

export function createServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  app.setErrorHandler(errorHandler(options.redact));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` } }),
  );
  const project = options.project;
  if (project)
    app.addHook('onRequest', async (_request, reply) => {
      reply.header(PROJECT_HEADER, project.id);
    });
  strictBodyTypes(app);
  registerRoutes(app, options.api, options.authenticate ?? trustActorHeader, project ?? null);
  for (const plugin of options.plugins ?? []) plugin(app);
  return app;
}
