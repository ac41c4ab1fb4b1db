/**
 * Who may do what: the one permission rule. Roles are ordered — each one may do
 * everything the ones below it may — and a token may be limited to environments.
 * Pure: the server, the CLI and a browser session all ask this function.
 */

export const ROLES = ['viewer', 'operator', 'approver', 'admin', 'receiver'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The ordered roles: each may do what the ones before it may. `receiver` stands
 * outside the order: a monitoring system's token that may post alerts and nothing
 * else (not even read), and only it and an admin may post alerts.
 */
const ORDERED: readonly Role[] = ['viewer', 'operator', 'approver', 'admin'];

/** Who is calling, as established by a verified token (never by a header or flag). */
export interface Identity {
  /** the token's name; approvals compare it case-insensitively */
  name: string;
  role: Role;
  /** environments this identity may act on; null: all of them */
  environments: string[] | null;
}

/** What a caller wants to do, with the least role that may do it. */
export const ACTIONS = {
  read: 'viewer',
  deploy: 'operator',
  undo: 'operator',
  drill: 'operator',
  operate: 'operator',
  'quarantine.lift': 'operator',
  freeze: 'operator',
  'db.backup': 'operator',
  'db.verify': 'operator',
  'db.validate': 'operator',
  approve: 'approver',
  reject: 'approver',
  'deploy.break-glass': 'approver',
  'db.restore': 'admin',
  'db.migrate-down': 'admin',
  'db.read-only': 'admin',
  'token.manage': 'admin',
  'config.reload': 'admin',
  'alert.receive': 'receiver',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof ACTIONS;

/** Actions that reach beyond one environment: an environment-limited token may not take them. */
const GLOBAL_ACTIONS: ReadonlySet<Action> = new Set(['token.manage', 'config.reload']);

export type Verdict = { ok: true } | { ok: false; needed: string };

/** A role's place in the order; -1 for `receiver`, which is below every ordered role. */
export function roleRank(role: Role): number {
  return ORDERED.indexOf(role);
}

/** Alerts are posted by a receiver token (or an admin); a receiver may do nothing else. */
function receiverRule(identity: Identity, action: Action): Verdict | null {
  if (action === 'alert.receive')
    return identity.role === 'receiver' || identity.role === 'admin'
      ? null
      : { ok: false, needed: `a receiver token to post alerts (token "${identity.name}" is ${identity.role})` };
  if (identity.role === 'receiver')
    return {
      ok: false,
      needed: `role ${ACTIONS[action]} or higher to ${action} (token "${identity.name}" may only post alerts)`,
    };
  return null;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * May `identity` take `action` on `environments` — every environment the action
 * will touch, after defaults? Omitted: the role alone is asked. `'everything'`
 * (or an empty list: nothing could be resolved) is allowed only to a token not
 * limited to environments. A refusal says what was needed.
 */
export function can(identity: Identity, action: Action, environments?: readonly string[] | 'everything'): Verdict {
  const receiving = receiverRule(identity, action);
  if (receiving) return receiving;
  const needed = ACTIONS[action];
  if (action !== 'alert.receive' && roleRank(identity.role) < roleRank(needed)) {
    return {
      ok: false,
      needed: `role ${needed} or higher to ${action} (token "${identity.name}" is ${identity.role})`,
    };
  }
  const limits = identity.environments;
  if (limits === null || environments === undefined) return { ok: true };
  if (GLOBAL_ACTIONS.has(action) || environments === 'everything' || environments.length === 0) {
    return {
      ok: false,
      needed: `a token not limited to environments to ${action} here (token "${identity.name}" is limited to ${limits.join(', ')})`,
    };
  }
  const outside = environments.filter((env) => !limits.includes(env));
  if (outside.length) {
    return {
      ok: false,
      needed: `a token for environment ${outside.join(', ')} to ${action} (token "${identity.name}" is limited to ${limits.join(', ')})`,
    };
  }
  return { ok: true };
}

/** May `identity` see records of `environment` (null: records of no one environment)? */
export function mayRead(identity: Identity, environment: string | null): boolean {
  const limits = identity.environments;
  return limits === null || (environment !== null && limits.includes(environment));
}

/** Two identities are the same person when their names match, ignoring case. */
export function sameIdentity(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
