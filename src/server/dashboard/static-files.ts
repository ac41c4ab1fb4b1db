import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build` puts the browser bundle: dist/web beside dist/server. */
export const WEB_ROOT = resolve(import.meta.dirname, '../../web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * Every asset comes from this controller (no CDN), so the policy can forbid any
 * other origin outright; framing is refused so a page elsewhere cannot click
 * buttons through an invisible frame.
 */
export function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    )
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}

/** Serves the dashboard's static bundle at `/` and `/assets/…`, read once at start. */
export function staticFiles(app: FastifyInstance, root = WEB_ROOT): void {
  const files = new Map<string, Buffer>();
  const read = (name: string): Buffer | null => {
    if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name)) return null;
    const cached = files.get(name);
    if (cached) return cached;
    const path = join(root, name);
    if (!existsSync(path)) return null;
    const body = readFileSync(path);
    files.set(name, body);
    return body;
  };
  const send = (reply: FastifyReply, name: string) => {
    const body = read(name);
    if (!body) {
      return reply.status(404).send({
        error: { code: 'NOT_FOUND', message: `no dashboard asset ${name} (run npm run build to make the bundle)` },
      });
    }
    const type = TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
    return securityHeaders(reply).header('content-type', type).header('cache-control', 'no-cache').send(body);
  };
  const open = { config: { access: 'public' as const } };
  app.get('/', open, (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { name: string } }>('/assets/:name', open, (request, reply) => send(reply, request.params.name));
}
