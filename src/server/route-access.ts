import type { FastifyRequest } from 'fastify';
import type { AccessTarget } from '../app/access/authorize.js';
import type { Action } from '../core/access.js';

type Target = (request: FastifyRequest) => AccessTarget;

const body = (request: FastifyRequest): Record<string, unknown> =>
  request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
const query = (request: FastifyRequest): Record<string, unknown> =>
  request.query && typeof request.query === 'object' ? (request.query as Record<string, unknown>) : {};
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const serviceInBody: Target = (r) => ({ service: text(body(r).service), environment: text(body(r).environment) });
const environmentInBody: Target = (r) => ({ environment: text(body(r).environment) });
const approval: Target = (r) => ({ approvalId: text((r.params as { id?: unknown }).id) });
const databaseInBody: Target = (r) => ({ database: text(body(r).database) });
const databaseInQuery: Target = (r) => ({ database: text(query(r).database) });
const serviceInPath: Target = (r) => ({
  service: text((r.params as { service?: unknown }).service),
  environment: text(query(r).environment),
});
const serviceInPathBody: Target = (r) => ({
  service: text((r.params as { service?: unknown }).service),
  environment: text(body(r).environment),
});
const environmentInQuery: Target = (r) => ({ environment: text(query(r).environment) });

/**
 * The action each route of the API takes and what it acts on: the one table a
 * reviewer reads to know who may call what.
 */
const TABLE: Record<string, { action: Action; target?: Target }> = {
  'POST /v1/deploy': { action: 'deploy', target: serviceInBody },
  'POST /v1/undo': { action: 'undo', target: serviceInBody },
  'POST /v1/approvals/:id/approve': { action: 'approve', target: approval },
  'POST /v1/approvals/:id/reject': { action: 'reject', target: approval },
  'GET /v1/approvals': { action: 'read', target: environmentInQuery },
  'GET /v1/status/:service': { action: 'read', target: serviceInPath },
  'GET /v1/history/:service': { action: 'read', target: serviceInPath },
  'GET /v1/rollbacks': { action: 'read', target: environmentInQuery },
  'GET /v1/rollbacks/:id': { action: 'read' },
  'GET /v1/rollbacks/:id/report': { action: 'read' },
  'POST /v1/undo-group': { action: 'undo', target: environmentInBody },
  'POST /v1/services/:service/restart': { action: 'operate', target: serviceInPathBody },
  'POST /v1/services/:service/stop': { action: 'operate', target: serviceInPathBody },
  'POST /v1/services/:service/start': { action: 'operate', target: serviceInPathBody },
  'POST /v1/services/:service/flags/:flag': { action: 'operate', target: serviceInPathBody },
  'GET /v1/services/:service/flags': { action: 'read', target: serviceInPath },
  'GET /v1/services/:service/config-diff': { action: 'read', target: serviceInPath },
  'POST /v1/drills': { action: 'drill', target: environmentInBody },
  'POST /v1/failover': { action: 'undo', target: environmentInBody },
  'POST /v1/failback': { action: 'undo', target: environmentInBody },
  'GET /v1/drills/:id': { action: 'read' },
  'GET /v1/events': { action: 'read', target: environmentInQuery },
  'GET /v1/audit': { action: 'read' },
  'POST /v1/tokens': { action: 'token.manage' },
  'GET /v1/tokens': { action: 'token.manage' },
  'DELETE /v1/tokens/:name': { action: 'token.manage' },
  'GET /v1/db/status': { action: 'read', target: databaseInQuery },
  'GET /v1/db/backups': { action: 'read', target: databaseInQuery },
  'POST /v1/db/backups': { action: 'db.backup', target: databaseInBody },
  'POST /v1/db/backups/:id/verify': { action: 'db.verify', target: databaseInBody },
  'POST /v1/db/backups/:id/restore': { action: 'db.restore', target: databaseInBody },
  'POST /v1/db/migrate-down': { action: 'db.migrate-down', target: databaseInBody },
  'POST /v1/db/validate': { action: 'db.validate', target: databaseInBody },
  'POST /v1/db/read-only': { action: 'db.read-only', target: databaseInBody },
};

export function routeAccess(method: string, url: string | undefined): { action: Action; target?: Target } | undefined {
  return url === undefined ? undefined : TABLE[`${method} ${url}`];
}
