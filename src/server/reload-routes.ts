import type { FastifyInstance } from 'fastify';
import type { Actor } from '../app/context.js';
import type { ReloadResult, RunningConfig } from '../app/ops/reload.js';
import type { Authenticate } from './auth.js';
import { identityOf } from './auth.js';

export interface ReloadRoutesApi {
  reload(request: { actor: Actor; via: string }): Promise<ReloadResult>;
  running(): RunningConfig;
}

/**
 * `rewind reload` over HTTP (an admin's: it changes policy and triggers for
 * every environment) and `GET /v1/config`, what the controller runs, which the
 * CLI compares with the file it read.
 */
export function reloadRoutes(api: ReloadRoutesApi, authenticate: Authenticate = identityOf) {
  return (app: FastifyInstance): void => {
    app.post(
      '/v1/reload',
      {
        config: { access: { action: 'config.reload' } },
        schema: { body: { type: 'object', additionalProperties: false, properties: {} } },
      },
      async (request) => api.reload({ actor: await authenticate(request), via: 'rewind reload' }),
    );
    app.get('/v1/config', { config: { access: { action: 'read' } } }, async () => api.running());
  };
}
