import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { RewindEvent } from '../../core/model.js';
import { visibleEnvironments } from '../auth.js';

const HEARTBEAT_MS = 15_000;

/**
 * `GET /v1/events/stream`: the event log as server-sent events, so the dashboard
 * updates the moment something happens instead of polling. A reconnecting
 * browser sends `Last-Event-ID` and first gets what it missed from the store.
 * A token limited to environments sees only the events of those environments.
 */
export function eventStream(app: FastifyInstance, ctx: AppContext): void {
  const open = new Set<() => void>();
  // an open stream would hold shutdown until its client goes away
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get<{ Querystring: { afterId?: number } }>(
    '/v1/events/stream',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { afterId: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (request, reply) => {
      const header = Number(request.headers['last-event-id']);
      const afterId = Number.isInteger(header) && header >= 0 ? header : request.query.afterId;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
      });
      let lastId = afterId ?? 0;
      const limits = visibleEnvironments(request);
      const write = (event: RewindEvent) => {
        if (event.id <= lastId) return;
        if (limits && !(event.environment && limits.includes(event.environment))) return;
        lastId = event.id;
        res.write(`id: ${event.id}\nevent: rewind\ndata: ${JSON.stringify(event)}\n\n`);
      };
      // subscribe before replaying so nothing emitted in between is lost (ids dedupe)
      const buffered: RewindEvent[] = [];
      let replaying = afterId !== undefined;
      const unsubscribe = ctx.onEvent((event) => (replaying ? buffered.push(event) : write(event)));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        res.end();
      };
      open.add(end);
      request.raw.on('close', end);
      res.write(`retry: 2000\n: connected\n\n`);
      if (afterId !== undefined) {
        for (const event of await ctx.store.listEvents({ afterId, limit: 1000 })) write(event);
        replaying = false;
        for (const event of buffered.splice(0)) write(event);
      }
    },
  );
}
