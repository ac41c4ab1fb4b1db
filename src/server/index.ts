import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { RewindApi } from '../app/index.js';
import type { AuthOptions } from './auth.js';
import { identityOf, installAuth } from './auth.js';
import type { ProjectIdentity } from '../app/project-identity.js';
import { PROJECT_HEADER } from '../app/project-identity.js';
import { errorHandler } from './errors.js';
import { installHostCheck } from './host-check.js';
import { installMasking } from './masking.js';
import { installAuditHook } from './audit-routes.js';
import type { AuditEntry } from '../app/access/audit.js';
import type { Redactor } from '../core/redact.js';
import { registerRoutes } from './routes.js';
import { strictBodyTypes } from './strict-body.js';
import { installOpenApi } from './openapi.js';
import { REWIND_VERSION } from '../core/version.js';

export interface ServerOptions {
  api: RewindApi;
  /** masks every answer by value */
  redact: Redactor;
  /** every route but /healthz (and /metrics unless closed) needs a token */
  auth: AuthOptions;
  /** Host names answered besides loopback (the listen host and `controller.allowedHosts`); others get 421 */
  hosts: { listenHost: string; allowedHosts: readonly string[] };
  /** PEM certificate and key: serve HTTPS */
  https?: { cert: Buffer; key: Buffer };
  /** where API calls that change something, and refusals, are recorded */
  audit?: (entry: AuditEntry) => Promise<void>;
  /** the project this controller serves: on /healthz and in every answer's `X-Rewind-Project` header */
  project?: ProjectIdentity;
  /** more routes (metrics, dashboard) registered by their own modules */
  plugins?: ((app: FastifyInstance) => void)[];
}

export function createServer(options: ServerOptions): FastifyInstance {
  // the API's bodies are small JSON objects; anything bigger is a mistake or an attack
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024, ...(options.https ? { https: options.https } : {}) });
  installOpenApi(app, REWIND_VERSION); // first: it collects every route added after it
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
  if (options.audit) installAuditHook(app, options.audit);
  installHostCheck(app, options.hosts.listenHost, options.hosts.allowedHosts);
  installAuth(app, options.auth);
  installMasking(app, options.redact);
  registerRoutes(app, options.api, identityOf, project ?? null);
  for (const plugin of options.plugins ?? []) plugin(app);
  return app;
}
