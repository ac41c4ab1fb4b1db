import type { FastifyRequest } from 'fastify';
import type { AccessTarget } from '../app/access/authorize.js';
import type { Action } from '../core/access.js';

/** What a request acts on, read from the request as it arrived (defaults are applied when it is resolved). */
export type Target = (request: FastifyRequest) => AccessTarget;

/** How a route is guarded: the action it takes and what it acts on. */
export interface Guard {
  action: Action;
  /**
   * What the route acts on or reads. A route that declares none is, for a token
   * limited to environments, a route that reaches everything: refused.
   */
  target?: Target;
}

const fields = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Where a request carries a named value: its body, its query string or its path. */
export type From = 'body' | 'query' | 'params';
const field = (request: FastifyRequest, from: From, name: string): string | undefined =>
  text(fields(request[from])[name]);

/** The building blocks a route declares its target with (see docs/security.md, "For contributors"). */
export const on = {
  /** a service (`:service` in the path, else `service` in the body) in the environment named in `envFrom` */
  service:
    (envFrom: From): Target =>
    (r) => ({
      kind: 'service',
      service: field(r, 'params', 'service') ?? field(r, 'body', 'service'),
      environment: field(r, envFrom, 'environment'),
    }),
  /** a whole environment, named in `from` (default: the first declared) */
  environment:
    (from: From): Target =>
    (r) => ({ kind: 'environment', environment: field(r, from, 'environment') }),
  /** a database, named in `from` (default: the only one declared) */
  database:
    (from: From): Target =>
    (r) => ({ kind: 'database', database: field(r, from, 'database') }),
  /** a stored record whose id is `:id` in the path */
  record:
    (kind: 'approval' | 'rollback' | 'drill'): Target =>
    (r) => ({ kind, id: field(r, 'params', 'id') }),
  /** a list of records of environments, filtered by the token's (an `environment` in the query is checked) */
  records: ((r) => ({ kind: 'records', environment: field(r, 'query', 'environment') })) as Target,
  /** facts about the controller itself, of no environment (who leads) */
  controller: ((_r) => ({ kind: 'records', environment: undefined })) as Target,
  /** beyond any one environment (tokens, metrics of every environment) */
  global: ((_r) => ({ kind: 'global' })) as Target,
};

/**
 * The action each route of the API takes and what it acts on: the one table a
 * reviewer reads to know who may call what. A route may instead carry its own
 * `config.access`; one found in neither is refused to environment-limited tokens.
 */
const TABLE: Record<string, Guard> = {
  'POST /v1/deploy': { action: 'deploy', target: on.service('body') },
  'POST /v1/undo': { action: 'undo', target: on.service('body') },
  'POST /v1/approvals/:id/approve': { action: 'approve', target: on.record('approval') },
  'POST /v1/approvals/:id/reject': { action: 'reject', target: on.record('approval') },
  'GET /v1/approvals': { action: 'read', target: on.records },
  'GET /v1/status/:service': { action: 'read', target: on.service('query') },
  'GET /v1/history/:service': { action: 'read', target: on.service('query') },
  'GET /v1/rollbacks': { action: 'read', target: on.records },
  'GET /v1/rollbacks/:id': { action: 'read', target: on.record('rollback') },
  'GET /v1/rollbacks/:id/report': { action: 'read', target: on.record('rollback') },
  'GET /v1/rollbacks/:id/notifications': { action: 'read', target: on.record('rollback') },
  'POST /v1/undo-group': { action: 'undo', target: on.environment('body') },
  'POST /v1/services/:service/restart': { action: 'operate', target: on.service('body') },
  'POST /v1/services/:service/stop': { action: 'operate', target: on.service('body') },
  'POST /v1/services/:service/start': { action: 'operate', target: on.service('body') },
  'POST /v1/services/:service/adopt': { action: 'operate', target: on.service('body') },
  'POST /v1/services/:service/flags/:flag': { action: 'operate', target: on.service('body') },
  'GET /v1/services/:service/flags': { action: 'read', target: on.service('query') },
  'GET /v1/services/:service/config-diff': { action: 'read', target: on.service('query') },
  'GET /v1/signals/:service': { action: 'read', target: on.service('query') },
  'POST /v1/drills': { action: 'drill', target: on.environment('body') },
  'GET /v1/drills': { action: 'read', target: on.records },
  'GET /v1/drills/:id': { action: 'read', target: on.record('drill') },
  'GET /v1/events': { action: 'read', target: on.records },
  'GET /v1/events/stream': { action: 'read', target: on.records },
  'GET /v1/overview': { action: 'read', target: on.records },
  'GET /v1/audit': { action: 'read', target: on.records },
  'GET /v1/leader': { action: 'read', target: on.controller },
  'GET /metrics': { action: 'read', target: on.global },
  'POST /v1/tokens': { action: 'token.manage', target: on.global },
  'GET /v1/tokens': { action: 'token.manage', target: on.global },
  'DELETE /v1/tokens/:name': { action: 'token.manage', target: on.global },
  'GET /v1/db/status': { action: 'read', target: on.database('query') },
  'GET /v1/db/backups': { action: 'read', target: on.database('query') },
  'POST /v1/db/backups': { action: 'db.backup', target: on.database('body') },
  'POST /v1/db/backups/:id/verify': { action: 'db.verify', target: on.database('body') },
  'POST /v1/db/backups/:id/restore': { action: 'db.restore', target: on.database('body') },
  'POST /v1/db/migrate-down': { action: 'db.migrate-down', target: on.database('body') },
  'POST /v1/db/validate': { action: 'db.validate', target: on.database('body') },
  'POST /v1/db/read-only': { action: 'db.read-only', target: on.database('body') },
  'POST /v1/failover': { action: 'undo', target: on.environment('body') },
  'POST /v1/failback': { action: 'undo', target: on.environment('body') },
};

export function routeAccess(method: string, url: string | undefined): Guard | undefined {
  return url === undefined ? undefined : TABLE[`${method} ${url}`];
}

/** Every route of the table, for tests that walk them all. */
export const DECLARED_ROUTES: readonly string[] = Object.keys(TABLE);
