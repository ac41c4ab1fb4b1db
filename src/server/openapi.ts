import type { FastifyInstance, RouteOptions } from 'fastify';
import { routeAccess } from './route-access.js';

type Schema = Record<string, unknown>;

interface RouteSchemas {
  body?: Schema;
  querystring?: Schema;
  params?: Schema;
  response?: Record<string, Schema>;
}

/** The one answer every error has: `{ error: { code, message } }`. */
const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
};

/**
 * Serves `GET /v1/openapi.json`: an OpenAPI 3.1 document of every route this
 * server registers, built from the routes' own schemas (body, querystring,
 * params) as Fastify validates them, so it cannot describe an API that is not
 * there. Install it before any route: it collects them as they are added.
 */
export function installOpenApi(app: FastifyInstance, version: string): void {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  let document: Schema | null = null;
  app.get(
    '/v1/openapi.json',
    { config: { access: 'public' } },
    async () => (document ??= openApiDocument(routes, version)),
  );
}

/** The OpenAPI 3.1 document of a list of Fastify routes. */
export function openApiDocument(routes: readonly RouteOptions[], version: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      (paths[path] ??= {})[method.toLowerCase()] = operation(method, route);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rewind controller API',
      version,
      description:
        'The HTTP API of `rewind serve`, version 1. Errors are `{ "error": { "code", "message" } }`: 400 bad input, ' +
        '401 no valid token, 403 not allowed, 404 unknown, 409 conflict, 422 nothing to roll back to. ' +
        'Notes on each route: docs/reference/http-api.md.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token (`rewind token create`)' },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}

function operation(method: string, route: RouteOptions): Schema {
  const schemas = (route.schema ?? {}) as RouteSchemas;
  const pathNames = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  const parameters = [
    ...pathNames.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: propertyOf(schemas.params, name) ?? { type: 'string' },
    })),
    ...Object.entries(propertiesOf(schemas.querystring)).map(([name, schema]) => ({
      name,
      in: 'query',
      required: requiredOf(schemas.querystring).includes(name),
      schema,
    })),
  ];
  const access = accessOf(method, route);
  const responses: Record<string, Schema> = {};
  for (const [status, schema] of Object.entries(schemas.response ?? {}))
    responses[status] = { description: `answer ${status}`, content: { 'application/json': { schema } } };
  if (Object.keys(responses).length === 0)
    responses['200'] = { description: 'the answer (see docs/reference/http-api.md)' };
  responses.default = {
    description: 'an error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  return {
    operationId: operationId(method, route.url),
    ...(parameters.length ? { parameters } : {}),
    ...(schemas.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemas.body } } } }
      : {}),
    responses,
    // /metrics is open unless `controller.publicMetrics: false`
    security: access === 'public' ? (route.url === '/metrics' ? [{}, { bearer: [] }] : []) : [{ bearer: [] }],
    ...(access !== 'public' ? { 'x-rewind-action': access.action } : {}),
  };
}

/** How auth.ts guards the route: its own `config.access`, the route table, then read for GET and admin otherwise. */
function accessOf(method: string, route: RouteOptions): 'public' | { action: string } {
  const own = route.config?.access;
  if (own) return own;
  if (route.url === '/healthz' || route.url === '/metrics') return 'public';
  return routeAccess(method, route.url) ?? { action: method === 'GET' ? 'read' : 'token.manage' };
}

/** `GET /v1/rollbacks/:id` → `getRollbacksById` */
function operationId(method: string, url: string): string {
  const words = `${method} ${url.replace(/^\/v1\//, '/')}`
    .toLowerCase()
    .replace(/:(\w+)/g, 'by $1')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

const propertiesOf = (schema: Schema | undefined): Record<string, Schema> =>
  (schema?.properties as Record<string, Schema> | undefined) ?? {};
const propertyOf = (schema: Schema | undefined, name: string): Schema | undefined => propertiesOf(schema)[name];
const requiredOf = (schema: Schema | undefined): string[] => (schema?.required as string[] | undefined) ?? [];
