import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Access } from '../app/access/authorize.js';
import type { Actor } from '../app/context.js';
import type { Identity } from '../core/access.js';
import { type Guard, routeAccess } from './route-access.js';

/** The caller's name for a use case; the identity was set by the authentication hook. */
export type Authenticate = (request: FastifyRequest) => Promise<Actor>;

/**
 * How a route is guarded, in its own `config.access`: `'public'` (no token), or
 * the action it takes and what it acts on. Routes without one fall back to the
 * table in route-access.ts, then to: GET needs a viewer, anything else an admin,
 * and a token limited to environments is refused (the route did not say what it touches).
 */
export type RouteAccess = 'public' | Guard;

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the authentication hook on every non-public route */
    identity: Identity | null;
    /** the environments the request was authorized to touch, after defaults (null: a filtered list, or all) */
    touched: string[] | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const identityOf: Authenticate = async (request) => {
  if (!request.identity) throw new Error('route reached without authentication');
  return { name: request.identity.name };
};

/**
 * The environments whose records this request may read: the token's limit, or
 * null for all. List handlers filter with it; records by id are checked before.
 */
export const visibleEnvironments = (request: FastifyRequest): string[] | null => request.identity?.environments ?? null;

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(typeof header === 'string' ? header : '');
  return match?.[1] ?? null;
}

export interface AuthOptions {
  access: Access;
  /** false: `/metrics` needs a viewer token too; default true */
  publicMetrics?: boolean;
  /** a browser's signed-in session, asked when no bearer token was sent (the dashboard's cookie) */
  session?: (request: FastifyRequest) => Promise<Identity | null>;
  /** told of every refusal (401/403), for the audit log */
  onRefused?: (request: FastifyRequest, status: 401 | 403, message: string) => void;
}

const send = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });

/**
 * Every route authenticates: a request without a valid bearer token gets 401
 * before its body is even validated; a token whose role or environments do not
 * reach gets 403 naming what was needed. Identity comes from the token alone.
 */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('identity', null);
  app.decorateRequest('touched', null);
  const rule = (request: FastifyRequest): RouteAccess => {
    const own = request.routeOptions.config?.access;
    if (own) return own;
    const url = request.routeOptions.url;
    if (url === '/healthz') return 'public';
    if (url === '/metrics' && options.publicMetrics !== false) return 'public';
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    return routeAccess(method, url) ?? { action: method === 'GET' ? 'read' : 'token.manage' };
  };
  const refuse = (request: FastifyRequest, status: 401 | 403, code: string, message: string) => {
    options.onRefused?.(request, status, message);
    return send(status, code, message);
  };

  app.addHook('onRequest', async (request, reply) => {
    const access = rule(request);
    if (access === 'public') return;
    const bearer = bearerToken(request);
    const identity = bearer ? await options.access.authenticate(bearer) : ((await options.session?.(request)) ?? null);
    if (!identity) {
      const r = refuse(
        request,
        401,
        'UNAUTHENTICATED',
        'a valid API token is needed: send Authorization: Bearer <token> (rewind token create, or <stateDir>/admin.token)',
      );
      return reply.status(r.status).header('www-authenticate', 'Bearer realm="rewind"').send(r.body);
    }
    request.identity = identity;
    // the role alone, before the body is parsed: a viewer's undo is refused without reading it
    try {
      await options.access.authorize(identity, access.action);
    } catch (error) {
      const r = refuse(request, 403, 'FORBIDDEN', (error as Error).message);
      return reply.status(r.status).send(r.body);
    }
  });

  // after the body is parsed: what the request will really touch, with the use case's defaults
  app.addHook('preHandler', async (request, reply) => {
    const access = rule(request);
    if (access === 'public' || !request.identity) return;
    try {
      const target = access.target ? access.target(request) : 'undeclared';
      request.touched = (await options.access.authorize(request.identity, access.action, target)).environments;
    } catch (error) {
      const status = (error as { status?: number }).status === 404 ? 404 : 403;
      if (status === 404)
        return reply.status(404).send({ error: { code: 'NOT_FOUND', message: (error as Error).message } });
      const r = refuse(request, 403, 'FORBIDDEN', (error as Error).message);
      return reply.status(r.status).send(r.body);
    }
  });
}
