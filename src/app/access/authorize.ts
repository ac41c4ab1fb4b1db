import type { Action, Identity, Verdict } from '../../core/access.js';
import { can } from '../../core/access.js';
import { UserError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { resolveEnvironment } from '../context.js';
import { createSessionStore, type SessionStore } from './sessions.js';
import { verifyToken } from './tokens.js';

/** What a request acts on, as far as the caller said. */
export interface AccessTarget {
  service?: string;
  environment?: string;
  /** an approval: it acts on that approval's environment */
  approvalId?: string;
  /** a database: it acts on every environment of the services that use it */
  database?: string;
}

/** The environments a database belongs to: those of the services that use it, else all declared. */
export function databaseEnvironments(ctx: AppContext, database: string | undefined): string[] {
  const { config } = ctx.loaded;
  const declared = Object.keys(config.environments);
  const names = Object.keys(config.databases);
  const name = database ?? (names.length === 1 ? names[0] : undefined);
  if (!name) return declared;
  const users = Object.values(config.services).filter((s) => s.database === name);
  if (!users.length) return declared;
  return [...new Set(users.flatMap((s) => s.environments ?? declared))];
}

/** The environments a target touches; unknown names are left to the use case to refuse. */
export async function targetEnvironments(ctx: AppContext, target: AccessTarget): Promise<string[]> {
  if (target.approvalId) {
    const approval = await ctx.store.getApproval(target.approvalId);
    return approval ? [approval.environment] : [];
  }
  if (target.database !== undefined || (target.service === undefined && target.environment === undefined)) {
    return target.database !== undefined ? databaseEnvironments(ctx, target.database) : [];
  }
  if (target.service !== undefined && ctx.loaded.config.services[target.service]) {
    try {
      return [resolveEnvironment(ctx, target.service, target.environment)];
    } catch {
      return target.environment ? [target.environment] : [];
    }
  }
  return target.environment ? [target.environment] : [];
}

export const forbidden = (verdict: Extract<Verdict, { ok: false }>): UserError =>
  new UserError('FORBIDDEN', `not allowed: this needs ${verdict.needed}`, { status: 403 });

export interface Access {
  /** the identity a bearer token stands for, or null */
  authenticate(secret: string | undefined | null): Promise<Identity | null>;
  /** throws FORBIDDEN (403) saying what was needed */
  authorize(identity: Identity, action: Action, target?: AccessTarget): Promise<void>;
  /** browser sessions, kept in the store */
  sessions: SessionStore;
}

/** Authentication and authorization as the server (and a browser session) use them. */
export function createAccess(ctx: AppContext): Access {
  return {
    authenticate: (secret) => verifyToken(ctx, secret),
    sessions: createSessionStore(ctx),
    async authorize(identity, action, target = {}) {
      const role = can(identity, action);
      if (!role.ok) throw forbidden(role);
      const verdict = can(identity, action, await targetEnvironments(ctx, target));
      if (!verdict.ok) throw forbidden(verdict);
    },
  };
}
