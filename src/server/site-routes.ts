import type { FastifyInstance } from 'fastify';
import type { SiteApi } from '../app/sites/site-api.js';
import type { Authenticate } from './auth.js';
import { identityOf } from './auth.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;
const common = {
  environment: str,
  force: { type: 'boolean' },
  dryRun: { type: 'boolean' },
  wait: { type: 'boolean' },
  reason: { type: 'string', maxLength: 2000 },
  drill: { type: 'boolean' },
} as const;

interface SwitchBody {
  environment?: string;
  force?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  reason?: string;
  drill?: boolean;
}

/**
 * `rewind failover --to <site>` and `rewind failback` over HTTP. The controller
 * runs the plan (and resumes it after a crash); the answer has the CLI's `--json`
 * shape with the saved plan, which the caller follows at /v1/rollbacks/:id.
 */
export function siteRoutes(api: SiteApi, authenticate: Authenticate = identityOf): (app: FastifyInstance) => void {
  return (app) => {
    app.post<{ Body: SwitchBody & { to: string } }>(
      '/v1/failover',
      {
        schema: {
          body: { type: 'object', required: ['to'], additionalProperties: false, properties: { to: str, ...common } },
        },
      },
      async (request) => api.failover({ ...request.body, actor: await authenticate(request) }),
    );
    app.post<{ Body: SwitchBody | undefined }>(
      '/v1/failback',
      { schema: { body: { type: 'object', additionalProperties: false, properties: common } } },
      async (request) => api.failback({ ...(request.body ?? {}), actor: await authenticate(request) }),
    );
  };
}
