import type { FastifyRequest } from 'fastify';
import type { Actor } from '../app/context.js';

/**
 * Who is calling. Until authentication lands this trusts the `X-Rewind-Actor`
 * header the CLI sends (`--as`); the next wave replaces this one function with
 * token checks, and every route already goes through it.
 */
export type Authenticate = (request: FastifyRequest) => Promise<Actor>;

export const trustActorHeader: Authenticate = async (request) => {
  const header = request.headers['x-rewind-actor'];
  const name = (Array.isArray(header) ? header[0] : header)?.trim();
  return { name: name && name.length <= 200 ? name : 'anonymous' };
};
