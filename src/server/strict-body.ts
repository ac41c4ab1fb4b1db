import type { FastifyInstance } from 'fastify';
import { UserError } from '../core/errors.js';

type Property = { type?: string };

const matches = (type: string | undefined, value: unknown): boolean => {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    default:
      return true;
  }
};

/**
 * Request bodies are checked before the schema validator, which coerces types
 * (`"dryRun": null` would become `false` and run a rollback for real): a value
 * of the wrong JSON type is a 400 naming the field. Query strings still coerce,
 * since they are text by nature.
 */
export function strictBodyTypes(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema?.body as { properties?: Record<string, Property> } | undefined;
    const body = request.body;
    if (!schema?.properties || !body || typeof body !== 'object' || Array.isArray(body)) return;
    for (const [key, property] of Object.entries(schema.properties)) {
      if (!(key in body)) continue;
      const value = (body as Record<string, unknown>)[key];
      if (!matches(property.type, value)) {
        throw new UserError('BAD_REQUEST', `${key}: expected a ${property.type}, got ${JSON.stringify(value)}`, {
          status: 400,
        });
      }
    }
  });
}
