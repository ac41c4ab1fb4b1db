import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '../core/access.js';
import type { AppContext } from '../app/context.js';
import { createToken, listTokens, revokeToken } from '../app/access/tokens.js';
import type { Authenticate } from './auth.js';

const str = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** `rewind token create|list|revoke` over HTTP: admins only (see route-access.ts). */
export function tokenRoutes(ctx: AppContext, authenticate: Authenticate): (app: FastifyInstance) => void {
  return (app) => {
    app.post<{ Body: { name: string; role: Role; environments?: string[]; expires?: string } }>(
      '/v1/tokens',
      {
        schema: {
          body: {
            type: 'object',
            required: ['name', 'role'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 64 },
              role: { enum: [...ROLES] },
              environments: { type: 'array', items: str, maxItems: 100 },
              expires: { type: 'string', minLength: 1, maxLength: 40 },
            },
          },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .header('cache-control', 'no-store')
          .send(await createToken(ctx, { ...request.body, createdBy: (await authenticate(request)).name })),
    );
    app.get('/v1/tokens', async () => listTokens(ctx));
    app.delete<{ Params: { name: string } }>('/v1/tokens/:name', async (request) =>
      revokeToken(ctx, request.params.name, (await authenticate(request)).name),
    );
  };
}
