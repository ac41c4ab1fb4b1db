import type { FastifyInstance } from 'fastify';
import type { Redactor } from '../core/redact.js';
import { redactDeep } from '../core/redact.js';

/**
 * Every answer is masked by value before it is encoded (JSON) or as it is sent
 * (text such as a Markdown report). The one exception is the answer that hands
 * a newly created token to its creator, once.
 */
export function installMasking(app: FastifyInstance, redact: Redactor): void {
  const exempt = (method: string, url: string | undefined) => method === 'POST' && url === '/v1/tokens';
  app.addHook('preSerialization', async (request, _reply, payload) =>
    exempt(request.method, request.routeOptions.url) ? payload : redactDeep(payload, redact),
  );
  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (typeof payload !== 'string' || type.includes('json') || exempt(request.method, request.routeOptions.url))
      return payload;
    return redact(payload);
  });
}
