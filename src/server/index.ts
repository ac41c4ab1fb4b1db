import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { RewindApi } from '../app/index.js';
import type { AuthOptions } from './auth.js';
import { identityOf, installAuth } from './auth.js';
import { errorHandler } from './errors.js';
import { registerRoutes } from './routes.js';

export interface ServerOptions {
  api: RewindApi;
  redact: (text: string) => string;
  /** every route but /healthz (and /metrics unless closed) needs a token */
  auth: AuthOptions;
  /** more routes (metrics, dashboard) registered by their own modules */
  plugins?: ((app: FastifyInstance) => void)[];
}

export function createServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  app.setErrorHandler(errorHandler(options.redact));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` } }),
  );
  installAuth(app, options.auth);
  registerRoutes(app, options.api, identityOf);
  for (const plugin of options.plugins ?? []) plugin(app);
  return app;
}
