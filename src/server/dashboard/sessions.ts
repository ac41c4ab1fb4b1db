import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Access } from '../../app/access/authorize.js';
import { SESSION_IDLE_MS, type FoundSession } from '../../app/access/sessions.js';
import type { Identity } from '../../core/access.js';
import { ACTIONS, can } from '../../core/access.js';
import { UserError } from '../../core/errors.js';

export const SESSION_COOKIE = 'rewind_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the browser learns about its session: never the token. */
export interface SessionView {
  name: string;
  role: Identity['role'];
  environments: string[] | null;
  /** action → the environments this identity may take it in */
  may: Record<string, string[]>;
  csrf: string;
}

export interface Sessions {
  /** the identity of a request's session cookie; throws 403 for a change without the session's CSRF token */
  identify(request: FastifyRequest): Promise<Identity | null>;
  routes(app: FastifyInstance): void;
}

/** Constant-time equality of the bytes: a header of the same length in characters but other bytes is simply unequal. */
const equal = (a: string, b: string) => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookieOf(request: FastifyRequest): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || null;
  }
  return null;
}

/**
 * A browser from another site: its Origin (or Referer) names a different host than
 * the one it asked — for a change a follower forwarded, the follower's host, which
 * it passes on (a cross-site page cannot add such headers without a preflight this
 * server never grants).
 */
function crossSite(request: FastifyRequest): boolean {
  const from = request.headers.origin ?? request.headers.referer;
  if (!from || from === 'null') return from === 'null';
  const forwardedHost = request.headers['x-rewind-forwarded-by'] ? request.headers['x-forwarded-host'] : undefined;
  const asked = typeof forwardedHost === 'string' && forwardedHost ? forwardedHost : request.headers.host;
  try {
    return new URL(from).host !== asked;
  } catch {
    return true;
  }
}

/**
 * Browser sign-in: the token is exchanged once for a random session id in an
 * HttpOnly, SameSite=Strict cookie; the session lives in the store (app/access/
 * sessions.ts), so a restart or failover keeps it. Every change made with the
 * cookie must carry the session's CSRF token in `X-CSRF-Token` (a header no
 * cross-site form or image can set) and come from this origin; bearer-token
 * callers (the CLI) never send the cookie and are unaffected.
 */
export function createSessions(access: Access, environments: () => string[]): Sessions {
  const live = (request: FastifyRequest): Promise<FoundSession | null> => {
    const id = cookieOf(request);
    return id ? access.sessions.find(id) : Promise.resolve(null);
  };
  const view = (identity: Identity, csrf: string): SessionView => {
    const envs = environments();
    const may: Record<string, string[]> = {};
    for (const action of Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]) {
      may[action] = envs.filter((env) => can(identity, action, [env]).ok);
    }
    return { name: identity.name, role: identity.role, environments: identity.environments, may, csrf };
  };
  const cookie = (reply: FastifyReply, value: string, maxAge: number) =>
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${reply.request.protocol === 'https' ? '; Secure' : ''}`,
    );
  const sameSession = (request: FastifyRequest, csrf: string): boolean => {
    const sent = request.headers['x-csrf-token'];
    return !crossSite(request) && typeof sent === 'string' && equal(sent, csrf);
  };

  return {
    async identify(request) {
      const session = await live(request);
      if (!session) return null;
      if (!SAFE_METHODS.has(request.method) && !sameSession(request, session.csrf)) {
        throw new UserError('CSRF', 'refused: a change from the dashboard needs its session’s CSRF token', {
          status: 403,
        });
      }
      return session.identity;
    },

    routes(app) {
      const open = { config: { access: 'public' as const } };
      app.get('/v1/session', open, async (request) => {
        const session = await live(request);
        return { session: session ? view(session.identity, session.csrf) : null };
      });
      app.post<{ Body: { token: string } }>(
        '/v1/session',
        {
          ...open,
          schema: {
            body: {
              type: 'object',
              required: ['token'],
              additionalProperties: false,
              properties: { token: { type: 'string', minLength: 1, maxLength: 512 } },
            },
          },
        },
        async (request, reply) => {
          // a form on another site cannot send JSON here; refuse its attempt to sign a browser in as someone else
          if (crossSite(request) || !String(request.headers['content-type']).startsWith('application/json')) {
            throw new UserError('CSRF', 'refused: sign in from the dashboard itself', { status: 403 });
          }
          const opened = await access.sessions.open(request.body.token);
          if (!opened) {
            throw new UserError('UNAUTHENTICATED', 'that token is not valid: mistyped, expired or revoked', {
              status: 401,
            });
          }
          cookie(reply, opened.id, SESSION_IDLE_MS / 1000);
          return { session: view(opened.identity, opened.csrf) };
        },
      );
      app.delete('/v1/session', open, async (request, reply) => {
        const id = cookieOf(request);
        const session = await live(request);
        if (id && session) {
          if (!sameSession(request, session.csrf)) {
            throw new UserError('CSRF', 'refused: signing out needs the session’s CSRF token', { status: 403 });
          }
          await access.sessions.close(id);
        }
        cookie(reply, '', 0);
        return { session: null };
      });
    },
  };
}
