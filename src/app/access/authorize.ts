import type { Action, Identity, Verdict } from '../../core/access.js';
import { can } from '../../core/access.js';
import { notFound, UserError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { createSessionStore, type SessionStore } from './sessions.js';
import { type AccessTarget, resolveReach } from './targets.js';
import { verifyToken } from './tokens.js';

export type { AccessTarget } from './targets.js';
export { databaseEnvironments } from './targets.js';

export const forbidden = (verdict: Extract<Verdict, { ok: false }>): UserError =>
  new UserError('FORBIDDEN', `not allowed: this needs ${verdict.needed}`, { status: 403 });

/** What an authorized request touches: the environments, or null for a list filtered by the token's own. */
export interface Granted {
  environments: string[] | null;
}

export interface Access {
  /** the identity a bearer token stands for, or null */
  authenticate(secret: string | undefined | null): Promise<Identity | null>;
  /**
   * Without a target: the role alone. With one: the environments it touches after
   * defaults; `'undeclared'` (a route that does not say) reaches everything.
   * Throws FORBIDDEN (403) saying what was needed, or NOT_FOUND (404) for a
   * record the token may not see, exactly as for a record that does not exist.
   */
  authorize(identity: Identity, action: Action, target?: AccessTarget | 'undeclared'): Promise<Granted>;
  /** browser sessions, kept in the store */
  sessions: SessionStore;
}

/** Authentication and authorization as the server (and a browser session) use them. */
export function createAccess(ctx: AppContext): Access {
  return {
    authenticate: (secret) => verifyToken(ctx, secret),
    sessions: createSessionStore(ctx),
    async authorize(identity, action, target) {
      const role = can(identity, action);
      if (!role.ok) throw forbidden(role);
      if (target === undefined) return { environments: null };
      if (target === 'undeclared') {
        const verdict = can(identity, action, 'everything');
        if (!verdict.ok) throw forbidden(verdict);
        return { environments: null };
      }
      const reach = await resolveReach(ctx, target);
      if ('missing' in reach) throw reach.missing;
      if ('filtered' in reach) return { environments: null };
      const touched = 'everything' in reach ? 'everything' : reach.environments;
      const verdict = can(identity, action, touched);
      if (verdict.ok) return { environments: touched === 'everything' ? null : touched };
      // a record of an environment the token may not see: do not confirm that it exists
      if (target.kind === 'approval' || target.kind === 'rollback' || target.kind === 'drill')
        throw notFound(`${target.kind} ${target.id ?? ''}`);
      throw forbidden(verdict);
    },
  };
}
