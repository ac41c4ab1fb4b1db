import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Access } from '../../app/access/authorize.js';
import type { Identity } from '../../core/access.js';
import { ACTIONS, can } from '../../core/access.js';
import { UserError } from '../../core/errors.js';

export const SESSION_COOKIE = 'rewind_session';
const IDLE_MS = 12 * 3600_000;
const MAX_SESSIONS = 10_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Held {
  /** the token, kept only in this process, re-verified on every request so a revoked token ends the session */
  secret: string;
  csrf: string;
  lastSeen: number;
}

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

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function cookieOf(request: FastifyRequest): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || null;
  }
  return null;
}

/** A browser from another site: its Origin (or Referer) names a different host than the one it asked. */
function crossSite(request: FastifyRequest): boolean {
  const from = request.headers.origin ?? request.headers.referer;
  if (!from || from === 'null') return from === 'null';
  try {
    return new URL(from).host !== request.headers.host;
  } catch {
    return true;
  }
}

/**
 * Browser sign-in: the token is exchanged once for a random session id in an
 * HttpOnly, SameSite=Strict cookie that maps to the token here, server-side.
 * Every change made with the cookie must carry the session's CSRF token in
 * `X-CSRF-Token` (a header no cross-site form or image can set) and come from
 * this origin; bearer-token callers (the CLI) never send the cookie and are
 * unaffected.
 */
export function createSessions(access: Access, environments: () => string[], now = () => Date.now()): Sessions {
  const held = new Map<string, Held>();
  const sweep = () => {
    for (const [id, s] of held) if (now() - s.lastSeen > IDLE_MS) held.delete(id);
  };
  const live = (request: FastifyRequest): [string, Held] | null => {
    const id = cookieOf(request);
    const session = id ? held.get(id) : undefined;
    if (!id || !session) return null;
    if (now() - session.lastSeen > IDLE_MS) {
      held.delete(id);
      return null;
    }
    session.lastSeen = now();
    return [id, session];
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

  return {
    async identify(request) {
      const found = live(request);
      if (!found) return null;
      const [id, session] = found;
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers['x-csrf-token'];
        if (crossSite(request) || typeof sent !== 'string' || !equal(sent, session.csrf)) {
          throw new UserError('CSRF', 'refused: a change from the dashboard needs its session’s CSRF token', {
            status: 403,
          });
        }
      }
      const identity = await access.authenticate(session.secret);
      if (!identity) held.delete(id);
      return identity;
    },

    routes(app) {
      const open = { config: { access: 'public' as const } };
      app.get('/v1/session', open, async (request) => {
        const found = live(request);
        const identity = found ? await access.authenticate(found[1].secret) : null;
        return { session: found && identity ? view(identity, found[1].csrf) : null };
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
          const identity = await access.authenticate(request.body.token);
          if (!identity) {
            throw new UserError('UNAUTHENTICATED', 'that token is not valid: mistyped, expired or revoked', {
              status: 401,
            });
          }
          sweep();
          if (held.size >= MAX_SESSIONS) held.delete(held.keys().next().value!);
          const id = randomBytes(32).toString('base64url');
          const csrf = randomBytes(24).toString('base64url');
          held.set(id, { secret: request.body.token, csrf, lastSeen: now() });
          cookie(reply, id, IDLE_MS / 1000);
          return { session: view(identity, csrf) };
        },
      );
      app.delete('/v1/session', open, async (request, reply) => {
        const found = live(request);
        if (found) {
          const sent = request.headers['x-csrf-token'];
          if (crossSite(request) || typeof sent !== 'string' || !equal(sent, found[1].csrf)) {
            throw new UserError('CSRF', 'refused: signing out needs the session’s CSRF token', { status: 403 });
          }
          held.delete(found[0]);
        }
        cookie(reply, '', 0);
        return { session: null };
      });
    },
  };
}
