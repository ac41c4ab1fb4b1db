import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { AuditEntry, AuditTarget } from '../app/access/audit.js';
import { listAudit } from '../app/access/audit.js';
import { isDuration, parseDuration } from '../core/duration.js';
import { badRequest } from '../core/errors.js';
import { visibleEnvironments } from './auth.js';

/**
 * Feeds the audit log from every answer: calls that change something (any
 * method but GET/HEAD/OPTIONS) and every 401/403, whatever the route.
 */
export function installAuditHook(app: FastifyInstance, record: (entry: AuditEntry) => Promise<void>): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const reads = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
    if (reads && status !== 401 && status !== 403) return;
    await record({
      identity: request.identity ?? null,
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0]?.slice(0, 200) ?? '',
      status,
      remoteAddress: request.ip,
      target: auditTarget(request),
      environments: request.touched,
    }).catch(() => undefined); // an audit write that fails must not fail the answer already sent
  });
}

const FIELDS = ['service', 'environment', 'version', 'group', 'database', 'id', 'name', 'flag'] as const;

/** What a call acted on, from its path parameters, then its body and query (a 401 has no parsed body). */
function auditTarget(request: FastifyRequest): AuditTarget {
  const sources = [request.params, request.body, request.query].map((s) =>
    s && typeof s === 'object' ? (s as Record<string, unknown>) : {},
  );
  const target: AuditTarget = {};
  for (const field of FIELDS) {
    const value = sources.map((s) => s[field]).find((v) => typeof v === 'string' && v.length > 0) as string | undefined;
    if (value === undefined) continue;
    if (field === 'flag') target.name = value.slice(0, 200);
    else target[field] = value.slice(0, 200);
  }
  const revision = sources.map((s) => s.toRevision).find((v) => typeof v === 'number');
  if (typeof revision === 'number') target.toRevision = revision;
  return target;
}

/** `GET /v1/audit?since=1h&actor=alice&limit=`: `since` a duration back from now, or epoch ms. */
export function auditRoutes(ctx: AppContext): (app: FastifyInstance) => void {
  return (app) => {
    app.get<{ Querystring: { since?: string; actor?: string; limit?: number } }>(
      '/v1/audit',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              since: { type: 'string', minLength: 1, maxLength: 40 },
              actor: { type: 'string', minLength: 1, maxLength: 200 },
              limit: { type: 'integer', minimum: 1, maximum: 5000 },
            },
          },
        },
      },
      async (request) => {
        const { since, actor, limit } = request.query;
        let from: number | undefined;
        if (since !== undefined) {
          if (isDuration(since)) from = ctx.clock.now() - parseDuration(since);
          else if (/^\d{1,15}$/.test(since)) from = Number(since);
          else throw badRequest(`since: expected a duration like 1h or epoch milliseconds, got "${since}"`);
        }
        return listAudit(ctx, {
          ...(from !== undefined ? { since: from } : {}),
          ...(actor ? { actor } : {}),
          ...(limit ? { limit } : {}),
          visible: visibleEnvironments(request),
        });
      },
    );
  };
}
